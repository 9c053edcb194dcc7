//! moto's server on a loopback port: SQS, S3 and Secrets Manager over the
//! real AWS wire protocols. Needs `HOOKLAKE_PYTHON` (the test venv's python,
//! set by scripts/test.sh), whose `moto_server` is started.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::Group;

/// Credentials and region every test process uses with moto.
pub const REGION: &str = "us-east-1";
pub const ACCESS_KEY: &str = "testing";
pub const SECRET_KEY: &str = "testing";

/// A running moto server; its process group is stopped on drop.
pub struct Moto {
    pub port: u16,
    process: Group,
}

fn moto_server() -> PathBuf {
    let python = std::env::var("HOOKLAKE_PYTHON").unwrap_or_else(|_| {
        panic!(
            "HOOKLAKE_PYTHON is not set: run the suite with ./scripts/test.sh (it installs moto)"
        )
    });
    PathBuf::from(python).with_file_name("moto_server")
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let process = Group::spawn(
            Command::new(moto_server())
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("moto_server starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { port, process }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a child process that should talk to this moto.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", REGION.into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

impl Moto {
    /// Stops the server's processes (SIGSTOP): an outage in which
    /// connections hang unanswered, and the queues and buckets survive.
    pub fn suspend(&self) {
        self.process.signal(libc::SIGSTOP);
    }

    /// Lets the server run again after [`Moto::suspend`].
    pub fn resume(&self) {
        self.process.signal(libc::SIGCONT);
    }
}

/// boto3 (moto's own dependency) runs `script` with `args` against `moto`;
/// returns what it printed.
fn boto3(moto: &Moto, script: &str, args: &[&std::path::Path]) -> String {
    let python = std::env::var("HOOKLAKE_PYTHON").expect("HOOKLAKE_PYTHON is set");
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .envs(moto.env())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Creates an SQS queue and the bucket `bucket`; returns the queue's URL.
pub fn create_queue_and_bucket(moto: &Moto, queue: &str, bucket: &str) -> String {
    const CREATE: &str = r#"
import boto3, os, sys
queue, bucket = sys.argv[1:3]
boto3.client("s3").create_bucket(Bucket=bucket)
sqs = boto3.client("sqs", region_name=os.environ["AWS_REGION"])
print(sqs.create_queue(QueueName=queue)["QueueUrl"])
"#;
    boto3(moto, CREATE, &[queue.as_ref(), bucket.as_ref()])
}

/// Uploads a local lake (a table directory) to `s3://bucket/prefix`,
/// creating the bucket if need be.
pub fn upload_lake(moto: &Moto, lake: &std::path::Path, bucket: &str, prefix: &str) {
    const UPLOAD: &str = r#"
import boto3, os, sys
root, bucket, prefix = sys.argv[1:4]
s3 = boto3.client("s3")
if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
    s3.create_bucket(Bucket=bucket)
for d, _, files in os.walk(root):
    for f in files:
        path = os.path.join(d, f)
        s3.upload_file(path, bucket, prefix + os.path.relpath(path, root))
"#;
    boto3(moto, UPLOAD, &[lake, bucket.as_ref(), prefix.as_ref()]);
}

/// Downloads the table at `s3://bucket/prefix` into a local directory.
pub fn download_lake(moto: &Moto, bucket: &str, prefix: &str, out: &std::path::Path) {
    const DOWNLOAD: &str = r#"
import boto3, os, sys
out, bucket, prefix = sys.argv[1:4]
s3 = boto3.client("s3")
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for o in page.get("Contents", []):
        path = os.path.join(out, o["Key"].removeprefix(prefix))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file(bucket, o["Key"], path)
"#;
    boto3(moto, DOWNLOAD, &[out, bucket.as_ref(), prefix.as_ref()]);
}

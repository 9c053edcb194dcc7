//! Processes the Rust tests start (moto, `hooklake serve`, the Lambda
//! binary), each in its own process group, stopped as a group.
//!
//! [`Group::spawn`] starts a command as the leader of a new process group;
//! dropping the [`Group`] (a test that passes, fails or panics) sends the
//! group SIGTERM, waits a grace period, then SIGKILL. A test binary
//! interrupted by SIGINT or SIGTERM runs no destructors, so the first spawn
//! also installs a handler that kills every group still registered before
//! the binary dies of that signal. The Python tests do the same with
//! `tests/procs.py`.

use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

/// How long a group has to exit after SIGTERM before it is killed.
pub const GRACE: Duration = Duration::from_secs(10);

/// Process groups alive, for the signal handler (which may only touch
/// atomics). 0 marks a free slot.
static GROUPS: [AtomicI32; 256] = [const { AtomicI32::new(0) }; 256];
static HANDLER: Once = Once::new();

extern "C" fn kill_groups_and_die(signal: libc::c_int) {
    for slot in &GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) is async-signal-safe.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
    // SAFETY: signal(2) and raise(3) are async-signal-safe; with the default
    // action restored, the process dies of the signal it got, as it would have.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn install_handler() {
    HANDLER.call_once(|| {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: the handler only calls async-signal-safe functions.
            unsafe {
                libc::signal(
                    signal,
                    kill_groups_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t,
                )
            };
        }
    });
}

fn register(pgid: i32) {
    for slot in &GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    // More than 256 at once: still stopped on drop, just not on a signal.
}

fn unregister(pgid: i32) {
    for slot in &GROUPS {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// A child process leading its own process group.
#[derive(Debug)]
pub struct Group {
    child: Child,
}

impl Group {
    /// Spawns `command` in a new process group.
    pub fn spawn(command: &mut Command) -> std::io::Result<Group> {
        use std::os::unix::process::CommandExt;
        install_handler();
        let child = command.process_group(0).spawn()?;
        register(child.id() as i32);
        Ok(Group { child })
    }

    /// The leader's process id (also the group's id).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The leader, to wait on or read from.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Sends `signal` to the whole group.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: plain kill(2) on our own child's group.
        unsafe { libc::kill(-(self.child.id() as i32), signal) };
    }

    /// Waits for the leader to exit.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }

    /// Has the leader exited?
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// SIGTERM to the group, up to `grace` for the leader to exit, then
    /// SIGKILL to whatever of the group is left. Returns the leader's status.
    pub fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        self.signal(libc::SIGTERM);
        self.signal(libc::SIGCONT); // a suspended group could not act on it
        let deadline = Instant::now() + grace;
        let mut status = None;
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The leader may be gone while its children still run.
        self.signal(libc::SIGKILL);
        let status = status.or_else(|| self.child.wait().ok());
        unregister(self.child.id() as i32);
        status
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            // Its children may have outlived it.
            self.signal(libc::SIGKILL);
            unregister(self.child.id() as i32);
        } else {
            self.stop(GRACE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    fn gone(pid: i32) -> bool {
        // Gone, or a zombie waiting for init to reap it.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    #[test]
    fn dropping_a_group_stops_the_children_of_its_leader_too() {
        let mut group = Group::spawn(
            Command::new("sh")
                .args(["-c", "sleep 300 & echo $!; wait"])
                .stdout(Stdio::piped()),
        )
        .unwrap();
        let mut line = String::new();
        BufReader::new(group.child().stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let grandchild: i32 = line.trim().parse().unwrap();
        assert!(!gone(grandchild));
        drop(group);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !gone(grandchild) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(grandchild), "the leader's child outlived the group");
    }
}

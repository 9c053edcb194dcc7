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

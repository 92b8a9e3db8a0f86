//! promote's probe of the upstream (docs/contract.md §5.9): does a server accept a
//! connection at master_ip:pgport within a short limit? A TCP connect (or, for a socket
//! directory as libpq reads an absolute host, a connect to its `.s.PGSQL.<port>`); nothing
//! is sent. A name is resolved on a thread of its own, left behind at the deadline, so a
//! resolver that hangs holds neither the action nor the runtime's shutdown.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc::{self, TryRecvError};
use std::time::Duration;

use tokio::net::{TcpStream, UnixStream};
use tokio::time::Instant;

/// How often the resolver's thread is asked whether it has an answer.
const POLL: Duration = Duration::from_millis(10);

/// Does a server accept a connection at `host`:`port` by `deadline`?
pub async fn accepts_connection(host: &str, port: u16, deadline: Instant) -> bool {
    if host.starts_with('/') {
        let path = Path::new(host).join(format!(".s.PGSQL.{port}"));
        return match tokio::time::timeout_at(deadline, UnixStream::connect(&path)).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                tracing::debug!("{}: {e}", path.display());
                false
            }
            Err(_) => false,
        };
    }
    for addr in resolve(host, port, deadline).await {
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return true,
            Ok(Err(e)) => tracing::debug!("{addr}: {e}"),
            Err(_) => {
                tracing::debug!("{addr}: no answer in time");
                return false;
            }
        }
    }
    false
}

/// The addresses of `host` (an address as it is, a name looked up), empty when it cannot
/// be resolved by `deadline`.
async fn resolve(host: &str, port: u16, deadline: Instant) -> Vec<SocketAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![SocketAddr::new(ip, port)];
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    let spawned = std::thread::Builder::new()
        .name("resolve".into())
        .spawn(move || {
            let found = (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>());
            // the receiver may be gone (the deadline passed): nothing to tell then
            let _ = tx.send(found);
        });
    if let Err(e) = spawned {
        tracing::debug!("cannot resolve {host}: {e}");
        return Vec::new();
    }
    loop {
        match rx.try_recv() {
            Ok(Ok(addrs)) => return addrs,
            Ok(Err(e)) => {
                tracing::debug!("cannot resolve {host}: {e}");
                return Vec::new();
            }
            Err(TryRecvError::Disconnected) => return Vec::new(),
            Err(TryRecvError::Empty) => {}
        }
        if Instant::now() >= deadline {
            tracing::debug!("{host} not resolved in time");
            return Vec::new();
        }
        tokio::time::sleep_until(crate::clock::after(Instant::now(), POLL).min(deadline)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_runtime<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    /// The probe's answer and how long it took.
    fn probe(host: &str, port: u16, limit: Duration) -> (bool, Duration) {
        on_runtime(async {
            let t0 = Instant::now();
            let ok = accepts_connection(host, port, Instant::now() + limit).await;
            (ok, t0.elapsed())
        })
    }

    #[test]
    fn a_listener_answers_and_a_closed_port_does_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let limit = Duration::from_secs(1);
        let (ok, took) = probe("127.0.0.1", port, limit);
        assert!(ok && took < limit, "{took:?}");
        // a name is resolved (localhost may try ::1 first, where nothing listens)
        assert!(probe("localhost", port, limit).0);
        drop(listener);
        let (ok, took) = probe("127.0.0.1", port, limit);
        assert!(!ok && took < limit, "refused: {took:?}");
        let (ok, took) = probe("no-such-host.invalid", port, limit);
        assert!(!ok && took < limit + Duration::from_millis(200), "{took:?}");
    }

    #[test]
    fn no_answer_ends_at_the_limit() {
        // a listener with a backlog of 0 and one connection queued drops further SYNs:
        // the connect waits, as it would for a powered-off node (listen() again on a
        // listening socket sets its backlog)
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::new(0).unwrap()).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut held = Vec::new();
        for _ in 0..4 {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        let limit = Duration::from_millis(400);
        let (ok, took) = probe("127.0.0.1", port, limit);
        assert!(!ok, "answered with {} queued", held.len());
        assert!(
            took >= limit - Duration::from_millis(50) && took < limit + Duration::from_millis(300),
            "{took:?}"
        );
    }

    #[test]
    fn a_socket_directory_is_probed_through_its_socket_file() {
        let dir = std::env::temp_dir().join(format!("pgsql-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".s.PGSQL.5999");
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let host = dir.display().to_string();
        assert!(probe(&host, 5999, Duration::from_secs(1)).0);
        drop(listener);
        std::fs::remove_file(&path).unwrap();
        assert!(!probe(&host, 5999, Duration::from_secs(1)).0);
        std::fs::remove_dir(&dir).unwrap();
    }
}

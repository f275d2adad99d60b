//! The HTTP server's defences, through the real binary on loopback: a
//! client trickling a header, or connecting and sending nothing, is cut
//! off after the header-read timeout while others are served; connections
//! over the per-address cap are closed at once, and counted.

use crate::common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads until the server closes the connection (or `limit` passes);
/// returns how long that took.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

fn addr(node: &TestNode) -> String {
    node.url.trim_start_matches("http://").to_string()
}

#[test]
fn trickled_and_idle_connections_are_cut_off_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &["--http-header-timeout-ms", "600"]);
    // Idle: connected, nothing sent.
    let mut idle = TcpStream::connect(addr(&node)).unwrap();
    // Slowloris: a header one line at a time, never finished.
    let mut slow = TcpStream::connect(addr(&node)).unwrap();
    slow.write_all(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let trickle = std::thread::spawn(move || {
        let start = Instant::now();
        for i in 0..40 {
            std::thread::sleep(Duration::from_millis(100));
            if slow
                .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .is_err()
            {
                return Some(start.elapsed());
            }
            let mut probe = [0u8; 1];
            slow.set_read_timeout(Some(Duration::from_millis(1)))
                .unwrap();
            if let Ok(0) = slow.read(&mut probe) {
                return Some(start.elapsed());
            }
        }
        None
    });
    // Meanwhile a well-behaved client is served.
    assert_eq!(get(&format!("{}/v1/status", node.url)).0, 200);
    let idle_cut =
        closed_within(&mut idle, Duration::from_secs(5)).expect("an idle connection is closed");
    assert!(
        idle_cut < Duration::from_secs(3),
        "idle connection closed after {idle_cut:?}"
    );
    let slow_cut = trickle
        .join()
        .unwrap()
        .expect("a trickled header is cut off");
    assert!(
        slow_cut < Duration::from_secs(3),
        "slow header cut after {slow_cut:?}"
    );
    // A keep-alive connection between requests is closed the same way.
    let mut kept = TcpStream::connect(addr(&node)).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(closed_within(&mut kept, Duration::from_secs(5)).is_some());
}

#[test]
fn connections_over_the_per_address_cap_are_closed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(
        &dir.path().join("d"),
        &["--http-max-connections-per-ip", "3"],
    );
    let held: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(addr(&node)).unwrap())
        .collect();
    // Give the server time to accept them.
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = TcpStream::connect(addr(&node)).unwrap();
    let _ = extra.write_all(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
    let cut = closed_within(&mut extra, Duration::from_secs(3)).expect("the fourth is closed");
    assert!(cut < Duration::from_secs(1), "{cut:?}");
    // One of the three goes away: there is room again.
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let (s, metrics) = {
        let r = http().get(format!("{}/metrics", node.url)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(s, 200);
    let refused = metrics
        .lines()
        .find_map(|l| l.strip_prefix("publica_http_connections_refused_total "))
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert!(refused.is_some_and(|n| n >= 1), "{metrics}");
}

/// Status codes of `n` requests to /v1/status, each naming `forwarded` in
/// X-Forwarded-For.
fn statuses_as(node: &TestNode, forwarded: &str, n: usize) -> Vec<u16> {
    (0..n)
        .map(|_| {
            http()
                .get(format!("{}/v1/status", node.url))
                .header("X-Forwarded-For", forwarded)
                .send()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect()
}

/// Behind a trusted reverse proxy each client behind it has its own
/// budget (the last X-Forwarded-For address); from anyone else the header
/// is not believed, so a client cannot dodge its limit by naming others.
#[test]
fn clients_behind_a_trusted_proxy_have_their_own_budgets() {
    let limits = ["--rate-limit", "1", "--rate-burst", "3"];
    let dir = tempfile::tempdir().unwrap();
    let mut args = limits.to_vec();
    args.extend_from_slice(&["--trusted-proxy", "127.0.0.1"]);
    let node = TestNode::start_in(&dir.path().join("d"), &args);
    let first = statuses_as(&node, "198.51.100.7, 203.0.113.1", 5);
    assert_eq!(&first[..3], &[200, 200, 200], "{first:?}");
    assert!(first[3..].contains(&429), "{first:?}");
    // Another client behind the proxy is untouched.
    assert_eq!(statuses_as(&node, "203.0.113.2", 3), vec![200, 200, 200]);
    drop(node);

    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &limits);
    let mut all = statuses_as(&node, "203.0.113.1", 3);
    all.extend(statuses_as(&node, "203.0.113.2", 3));
    assert!(all[3..].contains(&429), "{all:?}");
}

// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Separate hosts on one machine: each node in a network namespace of its own, reaching
//! the others only over a bridge, as hospitals reach each other over a WAN.
//!
//! The test creates everything itself and removes it when dropped: one namespace per host
//! and one for the switch, with a veth pair from each host (`eth0`, 10.203.0.N/24) to a
//! bridge port in the switch. Nothing is added to the machine's own network namespace,
//! and no address but these is used. A node's RPC and metrics stay on 127.0.0.1 inside
//! its namespace; the test reaches them by entering the namespace ([`in_netns`]).
//!
//! Needs root (`ip netns`, `tc`). Links can be cut and restored (`ip link set down/up` on
//! the switch's port) and rate-limited (`tc qdisc ... tbf`). This kernel has no `netem`,
//! so latency and loss cannot be injected.

use std::{fs::File, net::Ipv4Addr, os::fd::AsRawFd, process::Command};

/// The namespaces, links and bridge of one test.
pub struct Hosts {
	prefix: String,
	count: usize,
}

fn run(args: &[&str]) -> Result<(), String> {
	let output = Command::new(args[0])
		.args(&args[1..])
		.output()
		.map_err(|e| format!("running {}: {e}", args[0]))?;
	if output.status.success() {
		Ok(())
	} else {
		Err(format!(
			"`{}` failed: {}",
			args.join(" "),
			String::from_utf8_lossy(&output.stderr).trim()
		))
	}
}

impl Hosts {
	/// Creates `count` hosts on one bridge. Fails (naming the command) where namespaces
	/// cannot be made, e.g. without root.
	pub fn create(count: usize) -> Result<Self, String> {
		// Short: interface names have at most 15 bytes.
		let prefix = format!("ehr{}", std::process::id() % 100_000);
		let hosts = Self { prefix, count };
		let switch = hosts.switch();
		run(&["ip", "netns", "add", &switch])?;
		run(&["ip", "-n", &switch, "link", "add", "br0", "type", "bridge"])?;
		run(&["ip", "-n", &switch, "link", "set", "br0", "up"])?;
		for i in 0..count {
			let (netns, host_end, switch_end) = (hosts.netns(i), hosts.host_end(i), hosts.port(i));
			run(&["ip", "netns", "add", &netns])?;
			run(&["ip", "link", "add", &host_end, "type", "veth", "peer", "name", &switch_end])?;
			run(&["ip", "link", "set", &host_end, "netns", &netns])?;
			run(&["ip", "link", "set", &switch_end, "netns", &switch])?;
			run(&["ip", "-n", &netns, "link", "set", &host_end, "name", "eth0"])?;
			let address = format!("{}/24", hosts.ip(i));
			run(&["ip", "-n", &netns, "addr", "add", &address, "dev", "eth0"])?;
			run(&["ip", "-n", &netns, "link", "set", "eth0", "up"])?;
			run(&["ip", "-n", &netns, "link", "set", "lo", "up"])?;
			run(&["ip", "-n", &switch, "link", "set", &switch_end, "master", "br0"])?;
			run(&["ip", "-n", &switch, "link", "set", &switch_end, "up"])?;
		}
		Ok(hosts)
	}

	fn switch(&self) -> String {
		format!("{}sw", self.prefix)
	}

	fn host_end(&self, i: usize) -> String {
		format!("{}h{i}", self.prefix)
	}

	/// The switch's port for host `i`.
	fn port(&self, i: usize) -> String {
		format!("{}s{i}", self.prefix)
	}

	/// How many hosts.
	pub fn len(&self) -> usize {
		self.count
	}

	pub fn is_empty(&self) -> bool {
		self.count == 0
	}

	/// The network namespace of host `i`.
	pub fn netns(&self, i: usize) -> String {
		format!("{}n{i}", self.prefix)
	}

	/// Host `i`'s address on the bridge.
	pub fn ip(&self, i: usize) -> Ipv4Addr {
		Ipv4Addr::new(10, 203, 0, i as u8 + 1)
	}

	/// Limits every link to `rate` (a `tc` rate: `20mbit`) in both directions: a token
	/// bucket on each end of each veth.
	pub fn limit_rate(&self, rate: &str) -> Result<(), String> {
		let switch = self.switch();
		for i in 0..self.count {
			for (netns, dev) in
				[(self.netns(i), "eth0".to_string()), (switch.clone(), self.port(i))]
			{
				run(&[
					"ip", "netns", "exec", &netns, "tc", "qdisc", "replace", "dev", &dev, "root",
					"tbf", "rate", rate, "burst", "64kb", "latency", "200ms",
				])?;
			}
		}
		Ok(())
	}

	/// Cuts host `i` off the bridge (its switch port goes down; the host sees no carrier).
	pub fn cut(&self, i: usize) -> Result<(), String> {
		run(&["ip", "-n", &self.switch(), "link", "set", &self.port(i), "down"])
	}

	/// Puts host `i` back on the bridge.
	pub fn restore(&self, i: usize) -> Result<(), String> {
		run(&["ip", "-n", &self.switch(), "link", "set", &self.port(i), "up"])
	}
}

impl Drop for Hosts {
	fn drop(&mut self) {
		// Deleting a namespace deletes its end of each veth, and with it the pair.
		for i in 0..self.count {
			let _ = run(&["ip", "netns", "del", &self.netns(i)]);
		}
		let _ = run(&["ip", "netns", "del", &self.switch()]);
	}
}

/// Runs `f` on a thread inside the network namespace `netns` (sockets it opens belong to
/// that namespace), and returns its result.
pub fn in_netns<T: Send>(netns: &str, f: impl FnOnce() -> T + Send) -> Result<T, String> {
	let path = format!("/var/run/netns/{netns}");
	std::thread::scope(|scope| {
		scope
			.spawn(|| {
				let file = File::open(&path).map_err(|e| format!("opening {path}: {e}"))?;
				// SAFETY: setns on this thread only, with a namespace file we hold open; the
				// thread ends with `f`, so nothing else runs in the namespace by mistake.
				#[allow(unsafe_code)] // no safe API enters a network namespace
				let entered = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
				if entered != 0 {
					return Err(format!("entering {netns}: {}", std::io::Error::last_os_error()));
				}
				Ok(f())
			})
			.join()
			.map_err(|_| format!("a thread in {netns} panicked"))?
	})
}

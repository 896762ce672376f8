//! The process figures every Prometheus client library exports (`process_*`), read
//! from `/proc/self` on Linux; elsewhere they are left out. Read directly rather than
//! through a crate: six numbers from four small files do not need a dependency tree.
//! Under `atvsld up` the three services share one process, so each shows the same.

use std::fs;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Counter, Gauge};

pub struct ProcessCollector {
    cpu: Counter,
    resident: Gauge,
    virtual_memory: Gauge,
    open_fds: Gauge,
    max_fds: Gauge,
    start_time: Gauge,
}

impl ProcessCollector {
    pub fn new() -> prometheus::Result<Self> {
        Ok(Self {
            cpu: Counter::new(
                "process_cpu_seconds_total",
                "User and system CPU time spent, in seconds.",
            )?,
            resident: Gauge::new(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
            )?,
            virtual_memory: Gauge::new(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
            )?,
            open_fds: Gauge::new("process_open_fds", "Open file descriptors.")?,
            max_fds: Gauge::new(
                "process_max_fds",
                "The most file descriptors the process may open (soft limit).",
            )?,
            start_time: Gauge::new(
                "process_start_time_seconds",
                "When the process started, in seconds since the Unix epoch.",
            )?,
        })
    }
}

impl Collector for ProcessCollector {
    fn desc(&self) -> Vec<&Desc> {
        [
            self.cpu.desc(),
            self.resident.desc(),
            self.virtual_memory.desc(),
            self.open_fds.desc(),
            self.max_fds.desc(),
            self.start_time.desc(),
        ]
        .concat()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Some(now) = ProcStat::read() else {
            return Vec::new();
        };
        // A counter only goes up: add the CPU time spent since the last scrape.
        self.cpu.inc_by((now.cpu_seconds - self.cpu.get()).max(0.0));
        self.resident.set(now.resident_bytes);
        self.virtual_memory.set(now.virtual_bytes);
        self.start_time.set(now.start_time_seconds);
        let mut families = [
            self.cpu.collect(),
            self.resident.collect(),
            self.virtual_memory.collect(),
            self.start_time.collect(),
        ]
        .concat();
        if let Ok(entries) = fs::read_dir("/proc/self/fd") {
            #[allow(clippy::cast_precision_loss)]
            self.open_fds.set(entries.count() as f64);
            families.extend(self.open_fds.collect());
        }
        if let Ok((soft, _hard)) = rlimit::Resource::NOFILE.get() {
            #[allow(clippy::cast_precision_loss)]
            self.max_fds.set(soft as f64);
            families.extend(self.max_fds.collect());
        }
        families
    }
}

/// What `/proc/self/stat` says, in base units.
#[derive(Debug, PartialEq)]
struct ProcStat {
    cpu_seconds: f64,
    resident_bytes: f64,
    virtual_bytes: f64,
    start_time_seconds: f64,
}

impl ProcStat {
    fn read() -> Option<Self> {
        let stat = fs::read_to_string("/proc/self/stat").ok()?;
        let boot_time = fs::read_to_string("/proc/stat").ok()?;
        let auxv = fs::read("/proc/self/auxv").unwrap_or_default();
        Self::parse(&stat, &boot_time, &Aux::parse(&auxv))
    }

    /// `stat` is `/proc/self/stat`, `proc_stat` is `/proc/stat` (for the boot time).
    #[allow(clippy::cast_precision_loss)]
    fn parse(stat: &str, proc_stat: &str, aux: &Aux) -> Option<Self> {
        // The command name (field 2) may hold spaces and parentheses: count the
        // fields from the last ')', where field 3 (the state) begins.
        let fields: Vec<&str> = stat
            .get(stat.rfind(')')? + 1..)?
            .split_whitespace()
            .collect();
        let field = |n: usize| -> Option<u64> { fields.get(n.checked_sub(3)?)?.parse().ok() };
        let ticks = aux.clock_ticks as f64;
        let boot_time: u64 = proc_stat
            .lines()
            .find_map(|line| line.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        Some(Self {
            cpu_seconds: (field(14)? + field(15)?) as f64 / ticks,
            start_time_seconds: boot_time as f64 + field(22)? as f64 / ticks,
            virtual_bytes: field(23)? as f64,
            resident_bytes: (field(24)? * aux.page_size) as f64,
        })
    }
}

/// The two sizes the kernel tells each process in its auxiliary vector, so that no
/// `sysconf` call (and no `unsafe`) is needed.
#[derive(Debug, PartialEq)]
struct Aux {
    /// `AT_CLKTCK`: the unit of the CPU and start times in `/proc` (100 almost always).
    clock_ticks: u64,
    /// `AT_PAGESZ`: the unit of the resident size.
    page_size: u64,
}

impl Aux {
    const AT_PAGESZ: u64 = 6;
    const AT_CLKTCK: u64 = 17;

    /// `/proc/self/auxv`: pairs of native words (type, value), ending with type 0.
    fn parse(bytes: &[u8]) -> Self {
        let mut aux = Aux {
            clock_ticks: 100,
            page_size: 4096,
        };
        let word = size_of::<usize>();
        let read = |bytes: &[u8]| -> u64 {
            bytes.try_into().map_or(0, |word| {
                u64::try_from(usize::from_ne_bytes(word)).unwrap_or(0)
            })
        };
        for pair in bytes.chunks_exact(2 * word) {
            let (kind, value) = pair.split_at(word);
            match (read(kind), read(value)) {
                (0, _) => break,
                (Self::AT_CLKTCK, v) if v > 0 => aux.clock_ticks = v,
                (Self::AT_PAGESZ, v) if v > 0 => aux.page_size = v,
                _ => {}
            }
        }
        aux
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_end_of_the_command_name() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 50 0 0 20 0 8 0 12345 104857600 2560 18446744073709551615";
        let aux = Aux {
            clock_ticks: 100,
            page_size: 4096,
        };
        let parsed = ProcStat::parse(stat, "cpu 1 2 3\nbtime 1764720000\n", &aux).unwrap();
        assert_eq!(
            parsed,
            ProcStat {
                cpu_seconds: 3.0,
                start_time_seconds: 1_764_720_000.0 + 123.45,
                virtual_bytes: 104_857_600.0,
                resident_bytes: 2560.0 * 4096.0,
            }
        );
        assert_eq!(ProcStat::parse("garbage", "btime 1", &aux), None);
    }

    #[test]
    fn the_auxiliary_vector_gives_the_clock_tick_and_page_size() {
        let words: Vec<usize> = vec![6, 16384, 17, 250, 0, 0, 17, 1];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        assert_eq!(
            Aux::parse(&bytes),
            Aux {
                clock_ticks: 250,
                page_size: 16384
            }
        );
        assert_eq!(Aux::parse(&[]).clock_ticks, 100);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_memory_and_a_start_time() {
        let now = ProcStat::read().unwrap();
        assert!(now.resident_bytes > 0.0 && now.virtual_bytes >= now.resident_bytes);
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(now.start_time_seconds > epoch - 86_400.0 && now.start_time_seconds <= epoch + 1.0);
    }
}

//! Deflate on every core while the caller goes on rendering rows: a stream is cut into
//! 1 MiB chunks, each compressed on a shared pool of threads (one per core, started on
//! first use) and written out in order by the caller. As pigz does, every chunk is
//! primed with the last 32 KiB of the chunk before it as its dictionary and ends on a
//! byte boundary (a sync flush), so the concatenated chunks are one valid deflate stream
//! that compresses as well as a single-threaded one. At most a few chunks are in flight
//! per stream, so memory stays bounded whatever the size of the entry.
//!
//! The level was chosen by measurement (docs/BENCHMARKS.md): zlib-rs level 2 compresses
//! the export's CSV at about 400 MB/s and its XLSX sheet XML at about 600 MB/s on one
//! core, against 87 and 118 MB/s at the default level 6, for files about 10 % larger.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, OnceLock, mpsc};

use flate2::{Compress, Compression, FlushCompress, Status};

/// The deflate level every writer uses.
pub(crate) const LEVEL: u32 = 2;
/// Uncompressed bytes per chunk.
pub(crate) const CHUNK: usize = 1 << 20;
/// Deflate's window: the dictionary each chunk is primed with.
const WINDOW: usize = 32 * 1024;

/// Chunks of one stream queued or being compressed before the caller waits.
fn max_in_flight() -> usize {
    pool().workers + 2
}

struct Job {
    input: Vec<u8>,
    dictionary: Vec<u8>,
    last: bool,
    slot: Arc<Slot>,
}

/// A compressed chunk, and its input buffer handed back for reuse.
struct Compressed {
    output: Vec<u8>,
    input: Vec<u8>,
}

/// Where a worker leaves a compressed chunk.
#[derive(Default)]
struct Slot {
    done: Mutex<Option<io::Result<Compressed>>>,
    ready: Condvar,
}

impl Slot {
    fn fill(&self, result: io::Result<Compressed>) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done = Some(result);
        self.ready.notify_one();
    }

    fn wait(&self) -> io::Result<Compressed> {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(result) = done.take() {
                return result;
            }
            done = self.ready.wait(done).unwrap_or_else(|e| e.into_inner());
        }
    }
}

struct Pool {
    jobs: Mutex<mpsc::Sender<Job>>,
    workers: usize,
}

/// The process's compression threads; with none (they could not be started), chunks are
/// compressed on the caller's thread.
fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let wanted = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut workers = 0;
        for index in 0..wanted {
            let receiver = receiver.clone();
            let started = std::thread::Builder::new()
                .name(format!("deflate-{index}"))
                .spawn(move || work(&receiver));
            workers += usize::from(started.is_ok());
        }
        Pool {
            jobs: Mutex::new(sender),
            workers,
        }
    })
}

impl Pool {
    /// Queues a job, or gives it back when there is no thread to take it.
    fn send(&self, job: Job) -> Result<(), Job> {
        if self.workers == 0 {
            return Err(job);
        }
        match self.jobs.lock() {
            Ok(jobs) => jobs.send(job).map_err(|failed| failed.0),
            Err(_) => Err(job),
        }
    }
}

fn work(jobs: &Mutex<mpsc::Receiver<Job>>) {
    let mut compressor = Compress::new(Compression::new(LEVEL), false);
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        run(job, &mut compressor);
    }
}

fn run(job: Job, compressor: &mut Compress) {
    let Job {
        input,
        dictionary,
        last,
        slot,
    } = job;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compress_chunk(compressor, &input, &dictionary, last)
    }))
    .unwrap_or_else(|_| Err(io::Error::other("deflate worker panicked")));
    slot.fill(result.map(|output| Compressed { output, input }));
}

/// Compresses one chunk as a piece of a raw deflate stream.
fn compress_chunk(
    compressor: &mut Compress,
    input: &[u8],
    dictionary: &[u8],
    last: bool,
) -> io::Result<Vec<u8>> {
    compressor.reset();
    if !dictionary.is_empty() {
        compressor
            .set_dictionary(dictionary)
            .map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    // Deflate's worst case is a few bytes per 16 KiB block over the input.
    let mut output = Vec::with_capacity(input.len() + input.len() / 1000 + 64);
    let start_in = compressor.total_in();
    loop {
        let consumed = (compressor.total_in() - start_in) as usize;
        let status = compressor
            .compress_vec(&input[consumed..], &mut output, flush)
            .map_err(io::Error::other)?;
        let all_in = (compressor.total_in() - start_in) as usize == input.len();
        let has_room = output.len() < output.capacity();
        match status {
            Status::StreamEnd => return Ok(output),
            _ if all_in && has_room && !last => return Ok(output),
            _ => output.reserve(64 * 1024),
        }
    }
}

/// One deflate stream being written: the caller appends to [`DeflateStream::buffer`]
/// (or writes through [`DeflateStream::write`]) and passes the sink the compressed bytes
/// go to at each call.
pub(crate) struct DeflateStream {
    buffer: Vec<u8>,
    /// The last window of the chunk before, the next chunk's dictionary.
    window: Vec<u8>,
    pending: VecDeque<Arc<Slot>>,
    spare: Vec<Vec<u8>>,
    crc: crc32fast::Hasher,
    raw_len: u64,
    compressed_len: u64,
    /// Used only when the pool has no threads.
    inline: Option<Compress>,
}

/// What a finished stream held.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deflated {
    pub(crate) crc: u32,
    pub(crate) raw_len: u64,
    pub(crate) compressed_len: u64,
}

impl DeflateStream {
    pub(crate) fn new() -> Self {
        DeflateStream {
            buffer: Vec::with_capacity(CHUNK + CHUNK / 8),
            window: Vec::new(),
            pending: VecDeque::new(),
            spare: Vec::new(),
            crc: crc32fast::Hasher::new(),
            raw_len: 0,
            compressed_len: 0,
            inline: None,
        }
    }

    /// The uncompressed bytes not yet handed to the pool; append to it, then call
    /// [`DeflateStream::flush_full`].
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    /// Hands the buffer to the pool once it holds a whole chunk.
    pub(crate) fn flush_full<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        if self.buffer.len() >= CHUNK {
            self.submit(false, out)?;
        }
        Ok(())
    }

    pub(crate) fn write<W: Write>(&mut self, mut data: &[u8], out: &mut W) -> io::Result<()> {
        while !data.is_empty() {
            let room = CHUNK.saturating_sub(self.buffer.len()).max(1);
            let (now, later) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            self.flush_full(out)?;
            data = later;
        }
        Ok(())
    }

    /// Compresses what is left, waits for every chunk and writes it.
    pub(crate) fn finish<W: Write>(mut self, out: &mut W) -> io::Result<Deflated> {
        self.submit(true, out)?;
        while !self.pending.is_empty() {
            self.write_oldest(out)?;
        }
        Ok(Deflated {
            crc: self.crc.finalize(),
            raw_len: self.raw_len,
            compressed_len: self.compressed_len,
        })
    }

    fn submit<W: Write>(&mut self, last: bool, out: &mut W) -> io::Result<()> {
        let next = self.spare.pop().unwrap_or_default();
        let input = std::mem::replace(&mut self.buffer, next);
        self.buffer.clear();
        self.crc.update(&input);
        self.raw_len += input.len() as u64;
        let dictionary = std::mem::take(&mut self.window);
        let keep = input.len().min(WINDOW);
        self.window.extend_from_slice(&input[input.len() - keep..]);
        let slot = Arc::new(Slot::default());
        let job = Job {
            input,
            dictionary,
            last,
            slot: slot.clone(),
        };
        if let Err(job) = pool().send(job) {
            // No compression threads: do the work here.
            let compressor = self
                .inline
                .get_or_insert_with(|| Compress::new(Compression::new(LEVEL), false));
            run(job, compressor);
        }
        self.pending.push_back(slot);
        while self.pending.len() >= max_in_flight() {
            self.write_oldest(out)?;
        }
        Ok(())
    }

    fn write_oldest<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        let Some(slot) = self.pending.pop_front() else {
            return Ok(());
        };
        let Compressed { output, input } = slot.wait()?;
        out.write_all(&output)?;
        self.compressed_len += output.len() as u64;
        if self.spare.len() < 2 {
            self.spare.push(input);
        }
        Ok(())
    }
}

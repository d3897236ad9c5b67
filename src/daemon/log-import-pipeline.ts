import {
  openLogFile,
  readEveEvent,
  readLogLines,
  readZeekConnection,
  readZeekDns,
  readZeekHttp,
  readZeekSsl,
  ZeekLine,
  ZeekLogParser,
  type ZeekLogKind,
} from '../capture/index.js';
import type { FlowTableConfig, StoreConfig } from '../config/index.js';
import { isYamoriError, YamoriError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { FlowNameJoiner } from './flow-name-joiner.js';
import { LoggedFlowSink } from './logged-flow-sink.js';

export interface LogImportConfig {
  flow: FlowTableConfig;
  store: Pick<StoreConfig, 'maxBatchRows'>;
}

export interface LogImportDeps {
  store: Store;
  newId?: () => string;
  /** Called now and then while reading, with the running totals (for a progress line). */
  onProgress?: (stats: LogImportStats) => void;
  /** Called for each unreadable line, with where it is and why. */
  onBadLine?: (problem: LineProblem) => void;
}

export interface LogImportOptions {
  /** Sensor written on every record, overriding what the logs say and the config. */
  sensor?: string | null;
  /** eve.json: link-layer header bytes per packet in Suricata's byte counts; 14 (Ethernet) by default. */
  linkHeaderBytes?: number;
}

export interface LineProblem {
  file: string;
  line: number;
  reason: string;
}

/** A file that was skipped, or cut short, with the error that says why. */
export interface FileProblem {
  file: string;
  error: YamoriError;
}

export interface LogImportStats {
  files: number;
  lines: number;
  /** Input bytes read so far (compressed bytes for gzip), for progress. */
  inputBytes: number;
  flows: number;
  dnsAnswers: number;
  /** Flows that got names (SNI, fingerprints, HTTP Host) from ssl/http logs or tls/http events. */
  namesJoined: number;
  /** Names whose flow never came (an ssl.log row without its conn.log row, a tls event without a flow event). */
  namesUnmatched: number;
  /** Readable lines that hold nothing to store: other event types, DNS queries, later HTTP requests. */
  ignoredLines: number;
  badLines: number;
}

export interface LogImportResult {
  stats: LogImportStats;
  /** The first unreadable lines (at most 20), in the order met. */
  badLineSamples: LineProblem[];
  fileProblems: FileProblem[];
}

const MAX_SAMPLES = 20;
/** Kinds whose names or answers flows need, read before conn.log (see `importZeekLogs`). */
const ZEEK_ORDER: Record<ZeekLogKind, number> = { dns: 0, ssl: 1, http: 2, conn: 3 };

/**
 * Imports Zeek logs (conn.log, dns.log, ssl.log, http.log; TSV or JSON lines; plain or gzip; any mix
 * and order): connections become flows, dns.log answers passive DNS, and ssl.log and http.log names
 * join onto their connection by `uid`. Files are read so that names and answers come before the
 * connections they name (each file's kind is read from its header first); standard input ("-"), read
 * last, is joined in whatever order it comes, with bounded waiting (FlowNameJoiner).
 *
 * A line that cannot be read is counted and reported with file and line; a file none of whose lines
 * can be read, or that is not one of these logs, is reported as a FileProblem and the others go on.
 * Everything read is written through `store.writeFlows`/`writeDns` in batches.
 */
export async function importZeekLogs(
  files: readonly string[],
  config: LogImportConfig,
  deps: LogImportDeps,
  options: LogImportOptions = {},
): Promise<LogImportResult> {
  const run = new ImportRun(config, deps, options, config.flow.maxFlows);
  const ordered = await orderZeekFiles(files);
  for (const [i, file] of ordered.entries()) {
    // A connection waits for its names only if they can still come: from this file when it may mix
    // logs (JSON, standard input), or from a later file that may hold ssl or http records.
    run.namesMayFollow = file.mayMix || ordered.slice(i + 1).some((later) => later.mayHoldNames);
    await run.readFile(file.path, 'Zeek', (lines, firstLine) => run.zeekLines(lines, firstLine));
  }
  return run.finish();
}

/** How many flows of an eve.json wait for a tls or http event that comes after them. */
const EVE_REORDER_FLOWS = 4096;

/**
 * Imports Suricata eve.json files (plain or gzip; "-" for standard input), in the order given: `flow`
 * events become flows, `dns` responses passive DNS (eve DNS versions 1, 2 and 3), and `tls` and `http`
 * events names joined onto their flow by `flow_id`. Suricata writes a flow's tls and http events before
 * its flow event (the flow is logged when it ends), so names wait for their flow; a flow that expects
 * names and comes first waits among the last EVE_REORDER_FLOWS such flows, so a TLS flow whose tls
 * event was never logged costs no memory beyond that window.
 */
export async function importEveLogs(
  files: readonly string[],
  config: LogImportConfig,
  deps: LogImportDeps,
  options: LogImportOptions = {},
): Promise<LogImportResult> {
  const run = new ImportRun(config, deps, options, Math.min(EVE_REORDER_FLOWS, config.flow.maxFlows));
  for (const file of files) {
    await run.readFile(file, 'eve', (lines, firstLine) => run.eveLines(lines, firstLine));
  }
  return run.finish();
}

interface OrderedZeekFile {
  path: string;
  /** It may hold ssl or http records (it is one, or its kind is unknown until read). */
  mayHoldNames: boolean;
  /** It may mix logs: JSON lines (which carry `_path` per record) or standard input. */
  mayMix: boolean;
}

/** Reads just enough of each Zeek file to know its kind, and puts dns, ssl and http before conn. */
async function orderZeekFiles(files: readonly string[]): Promise<OrderedZeekFile[]> {
  const ordered: (OrderedZeekFile & { rank: number })[] = [];
  for (const path of files) {
    if (path === '-') continue;
    const { kind, format } = await peekZeekKind(path);
    ordered.push({
      path,
      rank: ZEEK_ORDER[kind ?? 'conn'],
      mayHoldNames: kind === null || kind === 'ssl' || kind === 'http',
      mayMix: format !== 'tsv',
    });
  }
  ordered.sort((a, b) => a.rank - b.rank);
  const result: OrderedZeekFile[] = ordered.map(({ path, mayHoldNames, mayMix }) => ({
    path,
    mayHoldNames,
    mayMix,
  }));
  if (files.includes('-')) result.push({ path: '-', mayHoldNames: true, mayMix: true });
  return result;
}

async function peekZeekKind(
  file: string,
): Promise<{ kind: ZeekLogKind | null; format: 'tsv' | 'json' | null }> {
  const parser = new ZeekLogParser();
  try {
    for await (const batch of readLogLines(openLogFile(file), { sourceName: file })) {
      for (const line of batch.lines) {
        if (line === null) continue;
        if (parser.parseLine(line) === ZeekLine.RECORD) return { kind: parser.kind(), format: parser.format };
      }
    }
  } catch {
    // Unreadable files are reported when they are imported.
  }
  return { kind: null, format: null };
}

type LinesHandler = (lines: readonly (string | null)[], firstLineNumber: number) => void;

/** One import: the sink, the joiner, the counters, and the file being read. */
class ImportRun {
  private readonly sink: LoggedFlowSink;
  private readonly joiner: FlowNameJoiner;
  private readonly stats: LogImportStats = {
    files: 0,
    lines: 0,
    inputBytes: 0,
    flows: 0,
    dnsAnswers: 0,
    namesJoined: 0,
    namesUnmatched: 0,
    ignoredLines: 0,
    badLines: 0,
  };
  private readonly samples: LineProblem[] = [];
  private readonly fileProblems: FileProblem[] = [];
  private readonly linkHeaderBytes: number;
  // The file being read.
  private file = '';
  private zeek = new ZeekLogParser();
  private records = 0;
  /** Zeek records of a log Yamori does not read (files.log, x509.log, …) in the current file. */
  private unknownRecords = 0;
  private firstProblem: LineProblem | null = null;
  private kindLabel = '';

  /** Zeek: whether names for the connections being read can still come (see importZeekLogs). */
  namesMayFollow = true;

  constructor(
    config: LogImportConfig,
    private readonly deps: LogImportDeps,
    options: LogImportOptions,
    maxHeldFlows: number,
  ) {
    this.sink = new LoggedFlowSink(config, { store: deps.store, newId: deps.newId }, options.sensor ?? null);
    this.joiner = new FlowNameJoiner(config.flow.maxFlows, maxHeldFlows, this.sink);
    this.linkHeaderBytes = options.linkHeaderBytes ?? 14;
  }

  async readFile(file: string, family: 'Zeek' | 'eve', handle: LinesHandler): Promise<void> {
    const sourceName = file === '-' ? 'standard input' : file;
    this.file = sourceName;
    this.zeek = new ZeekLogParser();
    this.records = 0;
    this.unknownRecords = 0;
    this.firstProblem = null;
    this.kindLabel = family === 'Zeek' ? 'Zeek log' : 'eve';
    this.stats.files++;
    const linesBefore = this.stats.lines;
    try {
      const lines = readLogLines(openLogFile(file), {
        sourceName,
        onInputBytes: (bytes) => (this.stats.inputBytes += bytes),
      });
      for await (const batch of lines) {
        handle(batch.lines, batch.firstLineNumber);
        this.stats.lines += batch.lines.length;
        if (this.sink.isBatchFull()) await this.write();
        this.deps.onProgress?.(this.snapshot());
      }
    } catch (error) {
      if (!isYamoriError(error) || (error.code !== 'INPUT_GZIP_CORRUPT' && error.code !== 'INPUT_NOT_FOUND'))
        throw error;
      this.fileProblems.push({ file: sourceName, error });
      return;
    }
    const lineCount = this.stats.lines - linesBefore;
    // Set by the line handlers while reading, which the compiler cannot see.
    const firstProblem = this.firstProblem as LineProblem | null;
    if (this.records === 0 && firstProblem !== null) {
      const code = family === 'Zeek' ? 'ZEEK_LOG_UNREADABLE' : 'EVE_LOG_UNREADABLE';
      this.fileProblems.push({
        file: sourceName,
        error: new YamoriError(
          code,
          {
            source: sourceName,
            lines: lineCount,
            line: firstProblem.line,
            detail: firstProblem.reason,
            log: this.kindLabel,
          },
          { source: `${sourceName}:${firstProblem.line}` },
        ),
      });
    } else if (this.records === 0 && this.unknownRecords > 0) {
      this.fileProblems.push({
        file: sourceName,
        error: new YamoriError(
          'ZEEK_LOG_UNKNOWN',
          {
            source: sourceName,
            detail:
              this.zeek.path === null
                ? 'its records have none of their columns'
                : `its #path is "${this.zeek.path}"`,
          },
          { source: sourceName },
        ),
      });
    }
  }

  zeekLines(lines: readonly (string | null)[], firstLineNumber: number): void {
    const parser = this.zeek;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === null) {
        this.bad(firstLineNumber + i, 'a line longer than 1 MiB');
        continue;
      }
      const read = parser.parseLine(line);
      if (read === ZeekLine.SKIPPED) continue;
      if (read === ZeekLine.BAD) {
        this.bad(firstLineNumber + i, parser.error);
        continue;
      }
      const kind = parser.kind();
      if (kind === null) {
        this.unknownRecords++;
        this.stats.ignoredLines++;
        continue;
      }
      this.kindLabel = `${kind}.log`;
      const problem = this.zeekRecord(kind);
      if (problem !== null) this.bad(firstLineNumber + i, problem);
      else this.records++;
    }
  }

  eveLines(lines: readonly (string | null)[], firstLineNumber: number): void {
    const options = { linkHeaderBytes: this.linkHeaderBytes };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === null) {
        this.bad(firstLineNumber + i, 'a line longer than 1 MiB');
        continue;
      }
      if (line.trim() === '') continue;
      const event = readEveEvent(line, options);
      switch (event.type) {
        case 'bad':
          this.bad(firstLineNumber + i, event.reason);
          continue;
        case 'flow': {
          const expectsNames =
            event.appProto === 'tls' || event.appProto === 'http' || event.appProto === 'http2';
          this.joiner.addFlow(event.flowId, event.flow, expectsNames);
          break;
        }
        case 'dns':
          this.sink.addDns(event.records, event.sensor);
          break;
        case 'names':
          this.joiner.addNames(event.flowId, event.names);
          break;
        case 'other':
          this.stats.ignoredLines++;
          break;
      }
      this.records++;
    }
  }

  async finish(): Promise<LogImportResult> {
    this.joiner.drain();
    await this.write();
    return { stats: this.snapshot(), badLineSamples: this.samples, fileProblems: this.fileProblems };
  }

  /** One conn, dns, ssl or http record; the reason when it cannot be read. */
  private zeekRecord(kind: ZeekLogKind): string | null {
    const parser = this.zeek;
    switch (kind) {
      case 'conn': {
        const connection = readZeekConnection(parser);
        if (typeof connection === 'string') return connection;
        const service = connection.service ?? '';
        const expectsNames = this.namesMayFollow && (service.includes('ssl') || service.includes('http'));
        this.joiner.addFlow(connection.uid, connection.flow, expectsNames);
        return null;
      }
      case 'dns': {
        const records = readZeekDns(parser);
        if (typeof records === 'string') return records;
        if (records.length === 0) this.stats.ignoredLines++;
        else this.sink.addDns(records, parser.get('_node_name'));
        return null;
      }
      case 'ssl':
      case 'http': {
        const named = kind === 'ssl' ? readZeekSsl(parser) : readZeekHttp(parser);
        if (named === null) {
          this.stats.ignoredLines++;
          return null;
        }
        this.joiner.addNames(named.uid, named.names);
        return null;
      }
    }
  }

  private bad(line: number, reason: string): void {
    this.stats.badLines++;
    const problem = { file: this.file, line, reason };
    this.firstProblem ??= problem;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(problem);
    this.deps.onBadLine?.(problem);
  }

  private async write(): Promise<void> {
    await this.sink.write();
  }

  private snapshot(): LogImportStats {
    const written = this.sink.stats();
    return {
      ...this.stats,
      flows: written.flowsWritten,
      dnsAnswers: written.dnsWritten,
      namesJoined: this.joiner.joined,
      namesUnmatched: this.joiner.unmatchedNames,
    };
  }
}

import {
  gatherSelfCheckInputs,
  problemsIn,
  runSelfCheck,
  type Finding,
  type SelfCheckSource,
} from '../capture/index.js';
import { YamoriError } from '../errors/index.js';
import { line, printJsonLines } from './output.js';
import { parsePositiveInteger } from './parse-time.js';
import type { Register } from './run-cli.js';

interface DoctorOptions {
  interface?: string;
  source?: string;
  sampleMs?: string;
  json?: boolean;
}

const SOURCES: Record<string, SelfCheckSource[]> = {
  all: ['capture', 'conntrack'],
  capture: ['capture'],
  conntrack: ['conntrack'],
};

const ORDER: Record<Finding['severity'], number> = { critical: 0, warning: 1, info: 2 };

/**
 * `yamori doctor`: checks this machine for what would make Yamori blind or wrong (offloads, flow
 * offload, conntrack accounting, a one-way interface, tcpdump missing or unprivileged) and prints each
 * finding with what to change. Exit status 0 when nothing critical or warning was found for the
 * sources asked about, 1 otherwise.
 */
export const registerDoctorCommand: Register = (program, context) => {
  program
    .command('doctor')
    .description('check this machine for what would hide traffic from Yamori, and say what to change')
    .option(
      '-i, --interface <name>',
      'capture interface to check (config: capture.interface; default every interface)',
    )
    .option('--source <source>', 'judge for packet capture, conntrack, or all', 'all')
    .option('--sample-ms <ms>', 'how long to watch interface counters for one-way traffic', '1000')
    .option('--json', 'print the findings as JSON')
    .action(async (options: DoctorOptions) => {
      const ctx = context();
      const config = ctx.config();
      const sources = SOURCES[options.source ?? 'all'];
      if (sources === undefined) {
        throw new YamoriError('CLI_BAD_VALUE', {
          flag: '--source',
          value: options.source ?? '',
          expected: 'one of capture, conntrack, all',
          example: 'For example --source conntrack on a router that runs "yamori capture --conntrack".',
        });
      }
      const inputs = await gatherSelfCheckInputs({
        interface: options.interface ?? config.capture.interface,
        tcpdumpPath: config.capture.tcpdumpPath,
        sampleMs: parsePositiveInteger('--sample-ms', options.sampleMs ?? '1000', 60_000),
        env: ctx.env,
      });
      const findings = runSelfCheck(inputs)
        .filter((finding) => finding.affects.some((source) => sources.includes(source)))
        .sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
      const problems = problemsIn(findings, sources);
      if (options.json) {
        printJsonLines(ctx.output.out, [
          {
            ok: problems.length === 0,
            problems: problems.length,
            interfaces: inputs.interfaces,
            sources,
            findings,
          },
        ]);
      } else {
        for (const finding of findings) {
          line(ctx.output.out, `${finding.severity.padEnd(8)} ${finding.subject}: ${finding.message}`);
          if (finding.fix !== null) line(ctx.output.out, `         fix: ${finding.fix}`);
        }
        const notes = findings.length - problems.length;
        line(
          ctx.output.out,
          problems.length === 0
            ? `no problems found for ${sources.join(' and ')} (${inputs.interfaces.join(', ') || 'no interfaces'}); ${notes} note${notes === 1 ? '' : 's'}`
            : `${problems.length} problem${problems.length === 1 ? '' : 's'} found for ${sources.join(' and ')}; ${notes} note${notes === 1 ? '' : 's'}`,
        );
      }
      if (problems.length > 0) ctx.exitCode = 1;
    });
};

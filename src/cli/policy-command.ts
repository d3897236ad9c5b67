import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  compileRoutePolicy,
  readPolicyTests,
  runPolicyTests,
  type PolicyCaseResult,
} from '../alert/index.js';
import { junitReport } from '../detect/index.js';
import { YamoriError } from '../errors/index.js';
import { line } from './output.js';
import type { Register } from './run-cli.js';

export const registerPolicyCommand: Register = (program, context) => {
  const policy = program.command('policy').description('the alert routing policy (alert.routes)');
  policy
    .command('test')
    .description(
      'run example alerts from YAML test files through the configured routes and compare the actions',
    )
    .argument('<files...>', 'policy test files, or folders holding *.test.yaml files')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .action((files: string[], options: { junit?: string }) => {
      const ctx = context();
      const routes = compileRoutePolicy(ctx.config().alert.routes);
      const results: PolicyCaseResult[] = [];
      for (const path of files.flatMap(expand)) {
        for (const result of runPolicyTests(routes, readPolicyTests(path))) {
          results.push(result);
          if (result.passed) {
            if (!ctx.output.quiet) line(ctx.output.out, `pass  ${result.ruleId}: ${result.caseName}`);
          } else {
            line(ctx.output.out, `FAIL  ${result.ruleId}: ${result.caseName}`);
            for (const text of result.failure) line(ctx.output.out, `      ${text}`);
          }
        }
      }
      if (options.junit !== undefined) writeFileSync(resolve(options.junit), junitReport([], results));
      const failed = results.filter((r) => !r.passed).length;
      if (!ctx.output.quiet) {
        line(ctx.output.out, `${results.length - failed} of ${results.length} policy cases passed`);
      }
      if (failed > 0) throw new YamoriError('POLICY_TESTS_FAILED', { failed, total: results.length });
    });
};

/** A folder stands for the *.test.yaml files in it, in name order. */
function expand(path: string): string[] {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    return [path];
  }
  if (!isFolder) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith('.test.yaml') || name.endsWith('.test.yml'))
    .sort()
    .map((name) => join(path, name));
}

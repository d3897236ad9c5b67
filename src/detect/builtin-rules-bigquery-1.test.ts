import { describeBuiltinRulesOnBigQuery } from './builtin-rules-bigquery.testing.js';

describeBuiltinRulesOnBigQuery(0, 2);

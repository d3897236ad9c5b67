import { describeBuiltinRulesOnBigQuery } from './builtin-rules-bigquery.testing.js';

describeBuiltinRulesOnBigQuery(1, 2);

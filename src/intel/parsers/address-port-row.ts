import type { IndicatorDraft } from '../../records/index.js';
import { normaliseIp, normalisePort } from '../normalise-indicator.js';
import type { CsvTable } from './csv-table.js';
import { excerpt } from './parse-failed.js';
import type { ResultBuilder } from './result-builder.js';

/** Where a C2 list keeps its address and port, and what the feed calls those columns. */
export interface AddressPortColumns {
  ip: number;
  port: number;
  ipName: string;
  portName: string;
}

/**
 * The draft for the current row of an address-and-port list (Feodo Tracker, SSLBL): the address
 * as the indicator, the port beside it (an empty port is none). A row whose address or port does
 * not parse is skipped with the column's name and value, and null returned.
 */
export function addressPortDraft(
  table: CsvTable,
  result: ResultBuilder,
  columns: AddressPortColumns,
): IndicatorDraft | null {
  const ipText = table.get(columns.ip);
  const ip = normaliseIp(ipText);
  if (ip === null) {
    result.skip(table.line, `${columns.ipName} "${excerpt(ipText)}" is not an IP address`);
    return null;
  }
  const portText = table.get(columns.port);
  const port = normalisePort(portText);
  if (port === null && portText !== '') {
    result.skip(table.line, `${columns.portName} "${excerpt(portText)}" is not a port`);
    return null;
  }
  const draft = result.draft(ip.type, ip.value, table.raw());
  draft.port = port;
  return draft;
}

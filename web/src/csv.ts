// CSV for spreadsheet apps (RFC 4180 quoting).

/**
 * Cells that start with = + - @ (or tab/CR) are formulas to spreadsheet apps; a leading
 * apostrophe keeps a member-chosen name like "=HYPERLINK(...)" as text (CSV injection).
 */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

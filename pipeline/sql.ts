/** A string as an SQL literal: single quotes doubled, so ids and names from the user stay data. */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`

/** A name as an SQL identifier: double quotes doubled, so a run id can name a table. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`

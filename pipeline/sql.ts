/** A string as an SQL literal: single quotes doubled, so ids and names from the user stay data. */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`

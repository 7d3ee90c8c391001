// Keyset pagination shared by the lists that page by cursor (inbox, messages, artist search).

/**
 * One page of a keyset query that fetched `limit + 1` rows: a row past the page means there is a
 * next page, and its cursor is made from the last row shown.
 */
export function keysetPage<R, I>(
  rows: R[],
  limit: number,
  cursorAfter: (last: R) => string,
  view: (row: R) => I,
): { items: I[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => view(row)),
    nextCursor: rows.length > limit && last ? cursorAfter(last) : null,
  };
}

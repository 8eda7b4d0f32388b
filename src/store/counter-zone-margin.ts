// The counter layout's full-zone rule, shared by the bundle's counter zone
// (store/counter-zone.ts) and the no-shim recorder (handlers/recorder.ts): a write
// takes at most one free page, and MARGIN_PAGES are left for the other
// workers writing at the same time. Kept in a file of its own so that the
// recorder's small module holds only these two bindings of it.
export const PAGE = 4096;
export const MARGIN_PAGES = 2;

/// Where an ``HTTPPollingSource`` sends its cursor, and where it finds the next one.
public enum HTTPCursorPlacement: Sendable, Hashable {
    /// In the query parameter of this name — `GET /orders?after=41` — and nowhere for the first
    /// page. The next cursor comes from the page's decoder.
    case query(String)
    /// In the request header of this name — `X-Cursor: 41` — and nowhere for the first page.
    /// The next cursor comes from the page's decoder.
    case header(String)
    /// The cursor is the URL of the next page, which the answer names in its
    /// `Link: <...>; rel="next"` header (RFC 8288); the first page is the source's URL. A page
    /// without such a link falls back to the cursor its decoder returns.
    case link
}

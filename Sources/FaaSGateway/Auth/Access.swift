/// What a route asks of its caller; the router's table gives one per route and method.
enum Access {
    /// Anyone (`/health`).
    case open
    /// Any valid key or token, whatever its scopes: the handler narrows what it sees.
    case authenticated
    /// A key or token with this scope (`admin` passes every scope).
    case scope(Scope)
    /// Invoking one function: a key whose `invoke` scope reaches it, or nobody at all when the
    /// function is public. The one place that rule lives, for `/invoke` and any later route.
    case invoke(InvokeTarget)
}

/// The function an invoke names, as far as access goes.
struct InvokeTarget {
    /// The function's name (the requested text when it does not resolve).
    let name: String
    /// Deployed with `&public=true`: invocable without a key.
    let isPublic: Bool
}

/// A deploy whose client may leave before the answer: cancelling it kills its compiler (through
/// the tool's `ChildProcess` teardown) or, while it waits for a compile slot, gives the slot
/// straight back; either way nothing is stored.
final class DeployCancellation {
    private(set) var isCancelled = false
    /// What stops the step under way (the running compiler); replaced as the deploy moves on.
    var onCancel: (() -> Void)?

    func cancel() {
        guard !isCancelled else { return }
        isCancelled = true
        let stop = onCancel
        onCancel = nil
        stop?()
    }
}

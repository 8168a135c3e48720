/// The outcome of a non-blocking operation. "Would block" is an ordinary answer on a
/// non-blocking descriptor, so it is a value rather than an error.
public enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

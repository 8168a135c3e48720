/// An on/off setting's value.
public enum Switch: String, Sendable {
    case on
    case off
}

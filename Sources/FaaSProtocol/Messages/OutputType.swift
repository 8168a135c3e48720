/// What a result's output is, for the gateway to shape its HTTP answer (`/fn/`): the bytes as
/// the function wrote or returned them (a script's stdout, a handler's string), or the JSON text
/// of a value a handler returned (an object, a list, a number...). On the wire
/// `"output_type":"json"`; absent means `text`.
public enum OutputType: String, Sendable {
    case text
    case json
}

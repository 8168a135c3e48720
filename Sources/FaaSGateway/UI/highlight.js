// Syntax highlighting done here, for the languages functions are written in: keywords,
// strings, comments and numbers, one pass over the text. Output is DOM nodes (spans with
// classes), never HTML strings.

const words = (text) => new Set(text.split(/\s+/).filter(Boolean));

const C_LIKE_COMMENTS = { line: ["//"], block: [["/*", "*/"]] };

const LANGUAGES = {
  c: {
    ...C_LIKE_COMMENTS,
    strings: ['"', "'"],
    keywords: words(`auto break case char const continue default do double else enum extern float for goto if inline int long
      register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false
      NULL size_t uint8_t uint16_t uint32_t uint64_t int8_t int16_t int32_t int64_t #include #define #if #ifdef #ifndef #endif #else #pragma`),
  },
  cpp: {
    ...C_LIKE_COMMENTS,
    strings: ['"', "'"],
    keywords: words(`auto break case char const constexpr continue default do double else enum extern float for goto if inline int long
      return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false nullptr class namespace
      using template typename public private protected virtual override new delete this try catch throw const_cast static_cast
      std string vector #include #define #if #ifdef #ifndef #endif #else #pragma`),
  },
  rust: {
    ...C_LIKE_COMMENTS,
    strings: ['"'],
    keywords: words(`as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut
      pub ref return self Self static struct super trait true type unsafe use where while u8 u16 u32 u64 i8 i16 i32 i64 usize isize
      f32 f64 bool char str String Vec Option Some None Result Ok Err`),
  },
  go: {
    ...C_LIKE_COMMENTS,
    strings: ['"', "`", "'"],
    keywords: words(`break case chan const continue default defer else fallthrough for func go goto if import interface map package range
      return select struct switch type var true false nil string int int64 uint8 byte rune error bool float64`),
  },
  js: {
    ...C_LIKE_COMMENTS,
    strings: ['"', "'", "`"],
    keywords: words(`async await break case catch class const continue debugger default delete do else export extends false finally for
      function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while
      yield module exports require`),
  },
  python: {
    line: ["#"],
    block: [],
    strings: ['"""', "'''", '"', "'"],
    keywords: words(`and as assert async await break class continue def del elif else except False finally for from global if import in is
      lambda None nonlocal not or pass raise return True try while with yield self print len str int float dict list bytes`),
  },
};

const ALIASES = { rs: "rust", javascript: "js", node: "js", py: "python", python3: "python", "c++": "cpp", cc: "cpp", golang: "go" };

export function languageOf(name) {
  const key = String(name || "").toLowerCase();
  return LANGUAGES[key] ? key : ALIASES[key] || null;
}

/** Tokens [{kind, text}] of `source`; kind is null for plain text. */
export function tokenize(source, language) {
  const spec = LANGUAGES[languageOf(language)];
  if (!spec) return [{ kind: null, text: source }];
  const tokens = [];
  let plain = "";
  const flush = () => { if (plain) { tokens.push({ kind: null, text: plain }); plain = ""; } };
  const push = (kind, text) => { flush(); tokens.push({ kind, text }); };
  let i = 0;
  const n = source.length;
  outer: while (i < n) {
    for (const marker of spec.line) {
      if (source.startsWith(marker, i)) {
        const end = source.indexOf("\n", i);
        const stop = end === -1 ? n : end;
        push("comment", source.slice(i, stop));
        i = stop;
        continue outer;
      }
    }
    for (const [open, close] of spec.block) {
      if (source.startsWith(open, i)) {
        const end = source.indexOf(close, i + open.length);
        const stop = end === -1 ? n : end + close.length;
        push("comment", source.slice(i, stop));
        i = stop;
        continue outer;
      }
    }
    for (const quote of spec.strings) {
      if (source.startsWith(quote, i)) {
        let j = i + quote.length;
        while (j < n && !source.startsWith(quote, j)) {
          if (source[j] === "\\") j += 1;
          else if (quote.length === 1 && quote !== "`" && source[j] === "\n") break;
          j += 1;
        }
        const stop = Math.min(n, j + (source.startsWith(quote, j) ? quote.length : 0));
        push("string", source.slice(i, stop));
        i = stop;
        continue outer;
      }
    }
    const rest = source.slice(i, i + 64);
    const number = /^(0[xX][0-9a-fA-F_]+|\d[\d_]*(\.\d+)?([eE][+-]?\d+)?)/.exec(rest);
    if (number && !/[\w$]/.test(source[i - 1] || "")) {
      push("number", number[0]);
      i += number[0].length;
      continue;
    }
    const word = /^#?[A-Za-z_$][\w$]*/.exec(source.slice(i, i + 256));
    if (word && !/[\w$]/.test(source[i - 1] || "")) {
      if (spec.keywords.has(word[0])) push("keyword", word[0]);
      else plain += word[0];
      i += word[0].length;
      continue;
    }
    plain += source[i];
    i += 1;
  }
  flush();
  return tokens;
}

/** A <pre><code> of `source`, highlighted, with line numbers (CSS counters on each line). */
export function highlighted(source, language, label) {
  const pre = document.createElement("pre");
  pre.className = "source";
  pre.tabIndex = 0;
  if (label) pre.setAttribute("aria-label", label);
  const code = document.createElement("code");
  let line = document.createElement("span");
  line.className = "line";
  const lines = [line];
  for (const token of tokenize(source, language)) {
    const parts = token.text.split("\n");
    parts.forEach((part, index) => {
      if (index > 0) {
        line = document.createElement("span");
        line.className = "line";
        lines.push(line);
      }
      if (!part) return;
      if (token.kind) {
        const span = document.createElement("span");
        span.className = "tok-" + token.kind;
        span.textContent = part;
        line.append(span);
      } else {
        line.append(part);
      }
    });
  }
  if (lines.length > 1 && !lines[lines.length - 1].textContent) lines.pop();
  lines.forEach((element, index) => {
    code.append(element);
    if (index < lines.length - 1) code.append("\n");
  });
  pre.append(code);
  return pre;
}

import Yams

extension ModelEntryParser {
  /// The `provider:` form: an OpenAI-compatible endpoint and the name of its key variable.
  mutating func api(_ fields: Fields, modelName: String) -> ModelSource? {
    let context = "model '\(modelName)'"
    var ok = true
    var provider = ""
    if let node = fields["provider"] {
      if let text = reader.string(node, "provider") {
        if Self.providers.contains(text) {
          provider = text
        } else {
          reader.error(
            "unknown provider '\(text)'; known providers: \(Suggestions.list(Self.providers))", at: node,
            hint: Suggestions.hint(for: text, in: Self.providers))
          ok = false
        }
      } else {
        ok = false
      }
    } else {
      reader.missing("provider", in: fields, context: context, hint: "add `provider: openai`")
      ok = false
    }
    var baseURL = ""
    if let node = fields["base_url"] {
      if let text = reader.string(node, "base_url") {
        if Self.isHTTPURL(text) {
          baseURL = text
        } else {
          reader.error(
            "base_url '\(text)' must start with http:// or https://", at: node,
            hint: "e.g. `base_url: https://api.openai.com/v1`")
          ok = false
        }
      } else {
        ok = false
      }
    } else {
      reader.missing("base_url", in: fields, context: context, hint: "add `base_url: https://api.openai.com/v1`")
      ok = false
    }
    var keyEnv = ""
    if let node = fields["api_key_env"] {
      if let text = reader.string(node, "api_key_env"), checkKeyEnv(text, at: node) {
        keyEnv = text
      } else {
        ok = false
      }
    } else {
      reader.missing(
        "api_key_env", in: fields, context: context,
        hint: "add `api_key_env: OPENAI_API_KEY` and export the key in that variable")
      ok = false
    }
    var model = modelName
    if let node = fields["model"] {
      if let text = reader.string(node, "model") { model = text } else { ok = false }
    }
    return ok ? .api(provider: provider, baseURL: baseURL, apiKeyEnv: keyEnv, model: model) : nil
  }

  /// True when `value` is a plausible variable name and not a pasted secret.
  private mutating func checkKeyEnv(_ value: String, at node: Node) -> Bool {
    if Self.looksLikeSecret(value) {
      reader.error(
        "api_key_env must name an environment variable, but its value looks like an API key", at: node,
        hint: "never put keys in config files: export OPENAI_API_KEY=... and write `api_key_env: OPENAI_API_KEY`")
      return false
    }
    guard PathExpander.isVariableName(value) else {
      reader.error(
        "api_key_env '\(value)' is not a valid environment variable name", at: node,
        hint: "use letters, digits and '_', e.g. `api_key_env: OPENAI_API_KEY`")
      return false
    }
    return true
  }

  /// Known key prefixes (`sk-`, `hf_`, `ghp_`, ...) or a long mixed-case token with digits.
  static func looksLikeSecret(_ value: String) -> Bool {
    let prefixes = ["sk-", "sk_", "hf_", "ghp_", "gho_", "github_pat_", "xoxb-", "AIza", "Bearer "]
    if prefixes.contains(where: { value.hasPrefix($0) }) { return true }
    let hasLower = value.contains(where: \.isLowercase)
    let hasUpper = value.contains(where: \.isUppercase)
    let hasDigit = value.contains(where: \.isASCIIDigitCharacter)
    return value.count >= 24 && hasLower && hasUpper && hasDigit && !value.contains("_")
  }

  /// `http://` or `https://` followed by a host.
  static func isHTTPURL(_ text: String) -> Bool {
    for scheme in ["http://", "https://"] where text.hasPrefix(scheme) {
      return text.count > scheme.count && !text.contains(" ")
    }
    return false
  }

  /// `[a-z0-9._-]+`.
  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
      }
  }

  /// `[A-Za-z0-9._-]+`: quant tags, repo owner and name parts.
  static func isValidTag(_ tag: String) -> Bool {
    !tag.isEmpty
      && tag.unicodeScalars.allSatisfy {
        ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "." || $0 == "_" || $0 == "-"
      }
  }

  /// `name` lower-cased with every other character replaced by `-`.
  static func suggestedName(_ name: String) -> String {
    String(name.lowercased().map { isValidName(String($0)) ? $0 : "-" })
  }
}

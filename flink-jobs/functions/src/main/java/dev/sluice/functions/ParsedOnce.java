package dev.sluice.functions;

import java.util.function.Function;

/**
 * Keeps the configuration parsed from the last hyper-parameter string, so the per-record path
 * costs one reference comparison: Flink hands a SQL literal over as the same {@code String}
 * instance on every call. Not shared between threads (a function instance serves one task).
 */
public final class ParsedOnce<C> {
  private final Function<String, C> parser;
  private String text;
  private C config;

  public ParsedOnce(Function<String, C> parser) {
    this.parser = parser;
  }

  public C get(String text) {
    if (config == null || (text != this.text && !java.util.Objects.equals(text, this.text))) {
      config = parser.apply(text);
      this.text = text;
    }
    return config;
  }
}

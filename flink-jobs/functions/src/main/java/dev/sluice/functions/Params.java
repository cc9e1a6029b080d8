package dev.sluice.functions;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Hyper-parameters of a function, written in SQL as one string literal: {@code 'eta0=0.01,
 * l2=0.001, schedule=invscaling'}. A function parses its literal once and keeps the result (see
 * {@link ParsedOnce}); a misspelled key or a bad value fails the job at its first record with a
 * message naming the key, instead of being silently ignored.
 */
public final class Params {
  private final String text;
  private final Map<String, String> values = new HashMap<>();

  private Params(String text, Set<String> known) {
    this.text = text;
    if (text == null || text.isBlank()) {
      return;
    }
    for (String entry : text.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq < 0) {
        throw invalid("'" + entry.trim() + "' is not key=value");
      }
      String key = entry.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
      if (!known.contains(key)) {
        throw invalid("unknown key '" + key + "' (known: " + String.join(", ", known) + ")");
      }
      values.put(key, entry.substring(eq + 1).trim());
    }
  }

  /** Parses {@code text}, rejecting any key outside {@code known}. */
  public static Params parse(String text, Set<String> known) {
    return new Params(text, known);
  }

  public double number(String key, double fallback, double min, double max) {
    String raw = values.get(key);
    if (raw == null) {
      return fallback;
    }
    double value;
    try {
      value = Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      throw invalid(key + "='" + raw + "' is not a number");
    }
    if (!(value >= min && value <= max)) {
      throw invalid(key + "=" + raw + " is outside [" + min + ", " + max + "]");
    }
    return value;
  }

  public int integer(String key, int fallback, int min, int max) {
    double value = number(key, fallback, min, max);
    if (value != Math.rint(value)) {
      throw invalid(key + "=" + values.get(key) + " is not a whole number");
    }
    return (int) value;
  }

  public boolean flag(String key, boolean fallback) {
    String raw = values.get(key);
    if (raw == null) {
      return fallback;
    }
    if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(raw);
    }
    throw invalid(key + "='" + raw + "' is not true or false");
  }

  public String choice(String key, String fallback, Set<String> allowed) {
    String raw = values.get(key);
    if (raw == null) {
      return fallback;
    }
    String value = raw.toLowerCase(java.util.Locale.ROOT);
    if (!allowed.contains(value)) {
      throw invalid(key + "='" + raw + "' is not one of " + String.join(", ", allowed));
    }
    return value;
  }

  private IllegalArgumentException invalid(String reason) {
    return new IllegalArgumentException("invalid hyper-parameters '" + text + "': " + reason);
  }
}

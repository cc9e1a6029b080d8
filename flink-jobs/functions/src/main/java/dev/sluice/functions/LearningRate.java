package dev.sluice.functions;

/**
 * Learning-rate schedules, with River's step convention: step {@code t} counts the updates made
 * before this one (0 for the first). Constant: eta0. Inverse scaling: eta0 / (t + 1)^power.
 */
public enum LearningRate {
  CONSTANT,
  INVSCALING;

  public double at(long step, double eta0, double power) {
    if (this == CONSTANT) {
      return eta0;
    }
    return eta0 / Math.pow(step + 1.0, power);
  }

  public static LearningRate of(String name) {
    return name.equals("invscaling") ? INVSCALING : CONSTANT;
  }
}

package dev.sluice.functions.learn;

import dev.sluice.functions.LearningRate;
import dev.sluice.functions.Params;
import java.util.Set;

/**
 * Hyper-parameters of the online linear models, named as in River / scikit-learn. Defaults are
 * River's {@code LinearRegression} / {@code LogisticRegression}: SGD at a constant 0.01, no L2, an
 * intercept learned at a constant 0.01, loss gradient clipped to ±1e12, no standardisation.
 *
 * <pre>
 * eta0=0.01            learning rate of the weights
 * schedule=constant    or invscaling: eta0 / (t + 1)^power_t
 * power_t=0.5          exponent of invscaling (River's default; scikit-learn's is 0.25)
 * l2=0                 L2 decay: w ← w − η(∇ℓ + l2·w)
 * intercept_lr=0.01    constant learning rate of the intercept (0 freezes it); not decayed by l2
 * clip=1e12            bound of the loss gradient
 * standardize=false    scale each feature by its running mean and variance (Welford) first
 * coefficients=false   return the weights with every prediction
 * </pre>
 */
public record SgdConfig(
    double eta0,
    LearningRate schedule,
    double powerT,
    double l2,
    double interceptLr,
    double clip,
    boolean standardize,
    boolean coefficients) {

  private static final Set<String> KEYS =
      Set.of(
          "eta0",
          "schedule",
          "power_t",
          "l2",
          "intercept_lr",
          "clip",
          "standardize",
          "coefficients");

  public static SgdConfig parse(String text) {
    Params p = Params.parse(text, KEYS);
    return new SgdConfig(
        p.number("eta0", 0.01, 0, 1e6),
        LearningRate.of(p.choice("schedule", "constant", Set.of("constant", "invscaling"))),
        p.number("power_t", 0.5, 0, 10),
        p.number("l2", 0, 0, 1e6),
        p.number("intercept_lr", 0.01, 0, 1e6),
        p.number("clip", 1e12, Double.MIN_VALUE, Double.MAX_VALUE),
        p.flag("standardize", false),
        p.flag("coefficients", false));
  }

  /** Learning rate of the weights for the update that follows {@code updates} earlier ones. */
  public double rate(long updates) {
    return schedule.at(updates, eta0, powerT);
  }
}

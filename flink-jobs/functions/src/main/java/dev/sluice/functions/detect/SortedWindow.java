package dev.sluice.functions.detect;

/**
 * Order statistics of a bounded window kept sorted in place: insert and remove shift at most
 * the window's length and allocate nothing; the median is read directly and the median absolute
 * deviation by merging the deviations below and above the median, which are each already sorted.
 */
final class SortedWindow {
  private SortedWindow() {}

  /** Inserts {@code x} into {@code sorted[0..size)}; the array has room for one more. */
  static void insert(double[] sorted, int size, double x) {
    int at = position(sorted, size, x);
    System.arraycopy(sorted, at, sorted, at + 1, size - at);
    sorted[at] = x;
  }

  /** Removes one occurrence of {@code x} (present) from {@code sorted[0..size)}. */
  static void remove(double[] sorted, int size, double x) {
    int at = position(sorted, size, x);
    if (at >= size || Double.compare(sorted[at], x) != 0) {
      throw new IllegalStateException("value " + x + " is not in the window");
    }
    System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
  }

  /** First index whose value is not below {@code x}, using the total order of Double.compare. */
  private static int position(double[] sorted, int size, double x) {
    int low = 0;
    int high = size;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (Double.compare(sorted[mid], x) < 0) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  static double median(double[] sorted, int size) {
    int half = size / 2;
    if (size % 2 == 1) {
      return sorted[half];
    }
    return sorted[half - 1] / 2 + sorted[half] / 2;
  }

  /**
   * Median of |xᵢ − median|. With m = size / 2, the deviations median − sorted[m−1], median −
   * sorted[m−2], ... and sorted[m] − median, sorted[m+1] − median, ... are both ascending, so the
   * k-th smallest deviation is the k-th step of their merge.
   */
  static double medianAbsoluteDeviation(double[] sorted, int size, double median) {
    int half = size / 2;
    int below = half - 1;
    int above = half;
    double previous = 0;
    double current = 0;
    for (int k = 0; k <= half; k++) {
      previous = current;
      double low = below >= 0 ? median - sorted[below] : Double.POSITIVE_INFINITY;
      double high = above < size ? sorted[above] - median : Double.POSITIVE_INFINITY;
      if (low <= high) {
        current = low;
        below--;
      } else {
        current = high;
        above++;
      }
    }
    // The merge stopped at index size / 2: the median for odd size; for even size, average it
    // with the deviation before it.
    return size % 2 == 1 ? current : previous / 2 + current / 2;
  }

  /** Mean of |xᵢ − median|: the fallback scale when more than half the window is one value. */
  static double meanAbsoluteDeviation(double[] sorted, int size, double median) {
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += Math.abs(sorted[i] - median) / size;
    }
    return sum;
  }
}

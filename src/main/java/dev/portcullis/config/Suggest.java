package dev.portcullis.config;

import java.util.Collection;
import java.util.Optional;

/** Finds the known name nearest to a misspelt one, for "did you mean" hints in error messages and warnings. */
public final class Suggest {
    /**
     * Edits tolerated between a misspelling and its suggestion: three catch a dropped dash, a swapped pair and a
     * typo together, while a name that shares little with any known one gets no hint rather than a wrong one.
     */
    private static final int MAX_EDITS = 3;

    private Suggest() {
    }

    /** The candidate fewest edits away from {@code input}, if one is close enough to be what was meant. */
    public static Optional<String> nearest(String input, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(input, candidate);
            if (d < bestDistance || (d == bestDistance && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        // A short input is a few edits from anything: it must keep at least half its letters to count as close.
        int allowed = Math.min(MAX_EDITS, Math.max(1, input.length() / 2));
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean X?"} when there is a near candidate, else the empty string. */
    public static String hint(String input, Collection<String> candidates) {
        return nearest(input, candidates).map(s -> "; did you mean " + s + "?").orElse("");
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

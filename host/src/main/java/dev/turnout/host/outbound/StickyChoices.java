package dev.turnout.host.outbound;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A load-balance group's {@code sticky-sessions} choices, as mihomo keeps them: a member picked at random for a
 * source and site ({@link SiteKey}), kept for them while it is up, for ten minutes after it was picked, and for at
 * most the 1,000 pairs used last.
 */
final class StickyChoices {

    static final long TTL_NANOS = 10L * 60 * 1_000_000_000L;
    static final int MAX_PAIRS = 1000;

    private record Choice(String member, long pickedAt) {
    }

    private final Map<String, Choice> choices = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Choice> eldest) {
            return size() > MAX_PAIRS;
        }
    };

    /** The member for {@code pair} (its source and destination), picked now when it has none that holds. */
    String choose(String pair, List<String> members, Predicate<String> alive) {
        long now = System.nanoTime();
        synchronized (choices) {
            Choice kept = choices.get(pair);
            if (kept != null && now - kept.pickedAt() < TTL_NANOS && members.contains(kept.member())
                    && alive.test(kept.member())) {
                return kept.member();
            }
            List<String> up = members.stream().filter(alive).toList();
            // None is up: the first member, as mihomo's, which keeps trying it.
            String picked = up.isEmpty() ? members.get(0) : up.get(ThreadLocalRandom.current().nextInt(up.size()));
            choices.put(pair, new Choice(picked, now));
            return picked;
        }
    }
}

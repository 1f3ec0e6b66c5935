package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.util.List;

/**
 * A config cannot be used. The message starts with file, line and column, then says what was expected; when
 * several problems were found, it lists each of them that way, one a line, so that one run shows them all.
 */
public final class ConfigException extends Exception {

    private final Origin origin;
    private final List<ConfigException> problems;
    private transient Config partial;

    public ConfigException(Origin origin, String message) {
        super(origin + ": " + message);
        this.origin = origin;
        this.problems = List.of();
    }

    public ConfigException(Origin origin, String message, Throwable cause) {
        super(origin + ": " + message, cause);
        this.origin = origin;
        this.problems = List.of();
    }

    private ConfigException(List<ConfigException> problems) {
        super(problems.size() + " problems in the config:\n  "
                + String.join("\n  ", problems.stream().map(Throwable::getMessage).toList()));
        this.origin = problems.get(0).origin;
        this.problems = List.copyOf(problems);
    }

    /** One exception for every problem found; a single one stays as it is. */
    public static ConfigException of(List<ConfigException> found) {
        List<ConfigException> flat = found.stream().flatMap(e -> e.problems().stream()).toList();
        if (flat.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        return flat.size() == 1 ? flat.get(0) : new ConfigException(flat);
    }

    /**
     * What the loader could read of the config it refused, with the entries that had problems left out; {@code null}
     * when there is none. Building it finds the problems that only building shows (outbound options, rule targets,
     * settings), so that one run can list those too.
     */
    public Config partial() {
        return partial;
    }

    ConfigException withPartial(Config config) {
        this.partial = config;
        return this;
    }

    /** Where the (first) problem is. */
    public Origin origin() {
        return origin;
    }

    /** Each problem on its own: this exception alone unless it gathers several. */
    public List<ConfigException> problems() {
        return problems.isEmpty() ? List.of(this) : problems;
    }
}

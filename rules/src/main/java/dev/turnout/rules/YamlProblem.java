package dev.turnout.rules;

import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * What SnakeYAML found wrong, said on one line for a user: the config and the rule providers both report it, after
 * their own file, line and column.
 */
public final class YamlProblem {

    private YamlProblem() {
    }

    /**
     * The problem, with its context where that says more (a duplicate key; an alias or anchor), the unexpected
     * character escaped (SnakeYAML shows it as is, a line break included, which split the message in two), and for
     * an alias or anchor a hint: mihomo's documented config has {@code - *} under allow-origins, and rule sets have
     * unquoted {@code *.example.com}.
     */
    public static String describe(MarkedYAMLException e) {
        String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
        String context = e.getContext();
        boolean alias = context != null
                && (context.startsWith("while scanning an alias") || context.startsWith("while scanning an anchor"));
        if (context != null && (alias || problem.contains("duplicate key"))) {
            problem = context + ", " + problem;
        }
        problem = problem.replace("\n", "\\n").replace("\t", "\\t");
        return alias ? problem + " ('*' and '&' begin a YAML alias or anchor; quote a plain star: '*')" : problem;
    }
}

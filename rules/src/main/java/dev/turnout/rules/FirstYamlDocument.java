package dev.turnout.rules;

import java.io.StringReader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The first document of a YAML text, as mihomo reads a config and its providers' files: go-yaml's {@code Unmarshal}
 * decodes the first document and never parses what follows it. SnakeYAML's {@code compose} refuses a text with
 * a second document ("expected a single document in the stream but found another document"); subscriptions ship
 * such files (two documents joined by {@code ---}).
 *
 * @param node the first document's root node; null when the text holds no document
 * @param rest where something after the first document begins (a second {@code ---}), which is not read; null when
 *     nothing follows it
 */
public record FirstYamlDocument(Node node, Mark rest) {

    /**
     * Composes the first document of {@code text}; line and column marks are the text's own.
     *
     * @throws YAMLException for a mistake in the first document (a {@link MarkedYAMLException} where it has a place)
     */
    public static FirstYamlDocument compose(String text, LoaderOptions options) {
        Parser parser = new ParserImpl(new StreamReader(new StringReader(text)), options);
        Composer composer = new Composer(parser, new Resolver(), options);
        if (!composer.checkNode()) {
            return new FirstYamlDocument(null, null);
        }
        Node node = composer.getNode();
        return new FirstYamlDocument(node, rest(parser));
    }

    /**
     * Where what follows the first document begins, found by reading one event past it: the next document's start
     * (its {@code ---}), or the first thing the parser could not take there (mihomo never reads it either).
     */
    private static Mark rest(Parser parser) {
        try {
            return parser.checkEvent(Event.ID.StreamEnd) ? null : parser.peekEvent().getStartMark();
        } catch (MarkedYAMLException e) {
            return e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        } catch (YAMLException e) {
            return null;
        }
    }

    /** What a user is told of {@link #rest}, at its place in {@code file}: that it is not read, and why. */
    public String restNote(String file) {
        return new Origin(file, rest.getLine() + 1, rest.getColumn() + 1) + ": a second YAML document begins here;"
                + " only the first is read, as mihomo reads only the first";
    }
}

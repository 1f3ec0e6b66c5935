package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OutboundType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * What PF4J needs to find a plugin's outbound type once its module is a jar in plugins/: the type listed in
 * {@code META-INF/extensions.idx} (written by PF4J's annotation processor), and a public no-argument
 * constructor, which is how PF4J builds extensions.
 */
public final class ExtensionIndex {

    private static final String INDEX = "META-INF/extensions.idx";

    private ExtensionIndex() {
    }

    /** Every class name listed in any {@code extensions.idx} that {@code type}'s class loader sees. */
    public static List<String> entriesSeenBy(Class<?> type) throws IOException {
        List<String> indexed = new ArrayList<>();
        Enumeration<URL> indexes = type.getClassLoader().getResources(INDEX);
        while (indexes.hasMoreElements()) {
            try (InputStream in = indexes.nextElement().openStream()) {
                indexed.addAll(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            }
        }
        return indexed;
    }

    /** Fails unless {@code type} is listed in {@code extensions.idx}. */
    public static void assertIndexed(Class<? extends OutboundType> type) throws IOException {
        List<String> indexed = entriesSeenBy(type);
        assertTrue(indexed.contains(type.getName()), "extensions.idx lists " + indexed);
    }

    /** Fails unless {@code type} can be built the way PF4J builds extensions, and is an outbound type. */
    public static void assertBuildableByPf4j(Class<?> type) throws ReflectiveOperationException {
        Object extension = type.getConstructor().newInstance();
        assertTrue(extension instanceof OutboundType);
    }
}

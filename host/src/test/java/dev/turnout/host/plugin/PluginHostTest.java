package dev.turnout.host.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad jars in the plugins folder: each is one plain-worded failure, and duplicates are refused together; closing stops
 * every plugin.
 */
class PluginHostTest {

    @TempDir
    Path dir;

    @Test
    void eachBadJarIsOneFailureInPlainWords() throws Exception {
        Files.writeString(dir.resolve("corrupt.jar"), "this is not a jar");
        Files.createFile(dir.resolve("empty.jar"));
        jar(dir.resolve("classless.jar"), "classless", "x.Nope", null);
        jar(dir.resolve("elsewhere.jar"), "elsewhere", "x.Nope", "y/Other.class");
        jar(dir.resolve("anonymous.jar"), null, "x.Nope", "x/Nope.class");
        try (PluginHost host = PluginHost.load(dir)) {
            Map<String, String> reasons = reasons(host);
            assertEquals(Map.of(
                    "anonymous.jar", "its manifest names no Plugin-Id; a plugin's manifest needs Plugin-Id, Plugin-Version and Plugin-Class",
                    "classless.jar", "the jar contains no classes",
                    "corrupt.jar", "not a jar: the file is damaged or not a zip archive (zip END header not found)",
                    "elsewhere.jar", "its Plugin-Class x.Nope is not in the jar",
                    "empty.jar", "the file is empty, not a jar"), reasons);
            assertEquals(0, host.plugins().size());
        }
    }

    @Test
    void twoJarsWithOnePluginIdAreBothRefusedEachNamingTheOther() throws Exception {
        Path a = jar(dir.resolve("a-first.jar"), "same", "x.P", "x/P.class");
        Path b = jar(dir.resolve("b-second.jar"), "same", "x.P", "x/P.class");
        try (PluginHost host = PluginHost.load(dir)) {
            Map<String, String> reasons = reasons(host);
            assertEquals(Map.of(
                    "a-first.jar", "plugin id 'same' is also the id of " + b + "; none of them is loaded: keep one",
                    "b-second.jar", "plugin id 'same' is also the id of " + a + "; none of them is loaded: keep one"),
                    reasons);
        }
    }

    @Test
    void closingStopsEveryPlugin() throws Exception {
        String klass = StopCountingPlugin.class.getName();
        String entry = klass.replace('.', '/') + ".class";
        byte[] bytes;
        try (var in = StopCountingPlugin.class.getResourceAsStream("StopCountingPlugin.class")) {
            bytes = in.readAllBytes();
        }
        for (String id : new String[] {"first", "second", "third"}) {
            jar(dir.resolve(id + ".jar"), id, klass, entry, bytes);
        }
        System.clearProperty(StopCountingPlugin.STOPS);
        try (PluginHost host = PluginHost.load(dir)) {
            assertEquals(Map.of(), reasons(host));
            assertEquals(3, host.plugins().size());
        }
        // PF4J 3.15's stopPlugins stops the first and fails on its own list (pf4j#656), leaving the rest running.
        assertEquals("3", System.getProperty(StopCountingPlugin.STOPS));
    }

    private static Map<String, String> reasons(PluginHost host) {
        Map<String, String> out = new TreeMap<>();
        for (PluginFailure f : host.failures()) {
            assertTrue(!f.reason().contains("\n"), f.reason());
            out.put(f.path().getFileName().toString(), f.reason());
        }
        return out;
    }

    /** A jar with a plugin manifest ({@code id} null: without Plugin-Id) and, unless null, one entry of junk bytes. */
    private static Path jar(Path path, String id, String pluginClass, String entry) throws IOException {
        return jar(path, id, pluginClass, entry, new byte[] {(byte) 0xca, (byte) 0xfe});
    }

    private static Path jar(Path path, String id, String pluginClass, String entry, byte[] bytes) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (id != null) {
            a.putValue("Plugin-Id", id);
        }
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Class", pluginClass);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(path), m)) {
            if (entry != null) {
                out.putNextEntry(new JarEntry(entry));
                out.write(bytes);
                out.closeEntry();
            }
        }
        return path;
    }
}

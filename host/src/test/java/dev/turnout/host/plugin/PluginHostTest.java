package dev.turnout.host.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    @Test
    void aPluginClassWhoseConstructorThrowsIsReportedWithItsOwnException() throws Exception {
        plugin(dir.resolve("ctor.jar"), "ctor", TestPlugins.ThrowingPlugin.class, Map.of());
        try (PluginHost host = PluginHost.load(dir)) {
            // Before: PF4J's follow-up "Cannot invoke "org.pf4j.Plugin.start()" because ... getPlugin() is null".
            assertEquals(Map.of("ctor.jar", "its Plugin-Class " + TestPlugins.ThrowingPlugin.class.getName()
                    + " could not be created: java.lang.IllegalStateException: plugin constructor fails on purpose"),
                    reasons(host));
        }
    }

    @Test
    void anExtensionWhoseConstructorThrowsFailsItsJarNamingTheClassAndTheCause() throws Exception {
        plugin(dir.resolve("ext.jar"), "ext", TestPlugins.Plain.class, Map.of(), TestPlugins.GoodType.class,
                TestPlugins.ThrowingType.class);
        plugin(dir.resolve("fine.jar"), "fine", TestPlugins.Plain.class, Map.of(), TestPlugins.GoodType.class);
        try (PluginHost host = PluginHost.load(dir)) {
            // Before: the jar loaded with test-good only, test-throwing gone without a word.
            assertEquals(Map.of("ext.jar", "its outbound type " + TestPlugins.ThrowingType.class.getName()
                    + " could not be created: java.lang.IllegalStateException: extension constructor fails on purpose"),
                    reasons(host));
            assertEquals(Set.of("test-good"), host.outboundTypes().keySet());
        }
    }

    @Test
    void anExtensionWhoseClassCannotBeLoadedFailsItsJar() throws Exception {
        plugin(dir.resolve("ext.jar"), "ext", TestPlugins.Plain.class, Map.of(), TestPlugins.GoodType.class);
        // Listed in extensions.idx, not in the jar: PF4J left it out with a log line.
        Path listed = dir.resolve("listed.jar");
        plugin(listed, "listed", TestPlugins.Plain.class, Map.of("extensions.idx", "x.y.Missing"));
        try (PluginHost host = PluginHost.load(dir)) {
            assertEquals(Map.of("listed.jar", "its extension class x.y.Missing cannot be loaded: "
                    + "java.lang.ClassNotFoundException: x.y.Missing"), reasons(host));
        }
    }

    @Test
    void aTypeTheHostImplementsItselfIsRefusedNamingTheJar() throws Exception {
        plugin(dir.resolve("dns.jar"), "dns-claim", TestPlugins.Plain.class, Map.of(), TestPlugins.DnsType.class);
        plugin(dir.resolve("relay.jar"), "relay-claim", TestPlugins.Plain.class, Map.of(), TestPlugins.RelayType.class);
        try (PluginHost host = PluginHost.load(dir)) {
            // Before: both loaded, and the plugin, not the host, built every 'type: dns' entry.
            String own = "a type Turnout implements itself (dns, fallback, load-balance, pass, pass-rule, relay, select,"
                    + " url-test); a plugin cannot take it over: rename the type";
            assertEquals(Map.of(
                    "dns.jar", "its outbound type " + TestPlugins.DnsType.class.getName() + " gives the name 'dns', " + own,
                    "relay.jar", "its outbound type " + TestPlugins.RelayType.class.getName() + " gives the name 'relay', "
                            + own), reasons(host));
            assertEquals(Set.of(), host.outboundTypes().keySet());
        }
    }

    @Test
    void aPluginRequiringANewerTurnoutIsRefusedAndOneForThisOneLoads() throws Exception {
        plugin(dir.resolve("newer.jar"), "newer", TestPlugins.Plain.class, Map.of("Plugin-Requires", ">=9.0.0"));
        plugin(dir.resolve("bare.jar"), "bare", TestPlugins.Plain.class, Map.of("Plugin-Requires", "9.1.0"));
        plugin(dir.resolve("garbled.jar"), "garbled", TestPlugins.Plain.class, Map.of("Plugin-Requires", "soon!"));
        plugin(dir.resolve("this.jar"), "this", TestPlugins.Plain.class, Map.of("Plugin-Requires", ">=0.1.0"),
                TestPlugins.GoodType.class);
        try (PluginHost host = PluginHost.load(dir)) {
            Map<String, String> reasons = reasons(host);
            // Before: all four loaded; PF4J checks Plugin-Requires only when the host gives it its version.
            assertEquals(Set.of("newer.jar", "bare.jar", "garbled.jar"), reasons.keySet(), reasons.toString());
            assertEquals("it requires Turnout >=9.0.0 (Plugin-Requires), and this is Turnout " + PluginHost.HOST_VERSION
                    + ": it needs a newer Turnout, or a build of the plugin for this one", reasons.get("newer.jar"));
            assertTrue(reasons.get("bare.jar").startsWith("it requires Turnout 9.1.0 (Plugin-Requires)"), reasons.get("bare.jar"));
            assertTrue(reasons.get("garbled.jar").startsWith("its Plugin-Requires 'soon!' is not a version range"),
                    reasons.get("garbled.jar"));
            assertEquals(Set.of("test-good"), host.outboundTypes().keySet());
        }
    }

    @Test
    void pluginDependenciesAreRefusedWhateverTheFileNames() throws Exception {
        plugin(dir.resolve("base.jar"), "base", TestPlugins.Plain.class, Map.of(), TestPlugins.GoodType.class);
        // One sorts before the plugin it names, one after: before, the first was "not found", the second loaded.
        plugin(dir.resolve("a-dependent.jar"), "a-dependent", TestPlugins.Plain.class,
                Map.of("Plugin-Dependencies", "base"));
        plugin(dir.resolve("z-dependent.jar"), "z-dependent", TestPlugins.Plain.class,
                Map.of("Plugin-Dependencies", "base@>=1.0.0"));
        try (PluginHost host = PluginHost.load(dir)) {
            Map<String, String> reasons = reasons(host);
            String why = "), which Turnout does not support: it loads each plugin on its own, sharing with it only the"
                    + " host's packages (the plugin API, Netty, PF4J, SLF4J), so a plugin cannot use another's classes;"
                    + " bundle what it needs in its jar and drop the header";
            assertEquals(Map.of("a-dependent.jar", "its manifest names Plugin-Dependencies (base" + why,
                    "z-dependent.jar", "its manifest names Plugin-Dependencies (base@>=1.0.0" + why), reasons);
            assertEquals(List.of("base"), host.plugins().stream().map(LoadedPlugin::id).toList());
        }
    }

    @Test
    void aPluginWithNoTypeLoadsWithAWarningNamingTheLikelyCause() throws Exception {
        Path unindexed = plugin(dir.resolve("unindexed.jar"), "unindexed", TestPlugins.Plain.class, Map.of());
        Path other = plugin(dir.resolve("other.jar"), "other", TestPlugins.Plain.class,
                Map.of("extensions.idx", TestPlugins.Plain.class.getName()));
        plugin(dir.resolve("typed.jar"), "typed", TestPlugins.Plain.class, Map.of(), TestPlugins.GoodType.class);
        try (PluginHost host = PluginHost.load(dir)) {
            assertEquals(Map.of(), reasons(host));
            assertEquals(3, host.plugins().size());
            // Before: "types: -" and nothing else.
            assertEquals(List.of(new PluginWarning(other, "it provides no outbound type: none of its extensions ("
                            + TestPlugins.Plain.class.getName() + ") implements dev.turnout.api.OutboundType"),
                    new PluginWarning(unindexed, "it provides no outbound type: it lists no extensions (no"
                            + " META-INF/extensions.idx), which PF4J's annotation processor writes for its @Extension"
                            + " classes; it did not run (pf4j must be on the compiler's class path or"
                            + " annotationProcessorPaths)")), host.warnings());
        }
    }

    private static Map<String, String> reasons(PluginHost host) {
        Map<String, String> out = new TreeMap<>();
        for (PluginFailure f : host.failures()) {
            assertTrue(!f.reason().contains("\n"), f.reason());
            out.put(f.path().getFileName().toString(), f.reason());
        }
        return out;
    }

    /**
     * A working plugin jar: {@code pluginClass} (a {@link TestPlugins} class), {@code extensions} listed in its
     * META-INF/extensions.idx, and {@code extra} manifest entries ({@code extensions.idx}: that file's text instead).
     */
    static Path plugin(Path path, String id, Class<?> pluginClass, Map<String, String> extra, Class<?>... extensions)
            throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Class", pluginClass.getName());
        extra.forEach((k, v) -> {
            if (!k.equals("extensions.idx")) {
                a.putValue(k, v);
            }
        });
        List<Class<?>> classes = new ArrayList<>(List.of(TestPlugins.class, TestPlugins.Named.class, pluginClass));
        classes.addAll(List.of(extensions));
        StringBuilder idx = new StringBuilder();
        for (Class<?> e : extensions) {
            idx.append(e.getName()).append('\n');
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(path), m)) {
            for (Class<?> c : new java.util.LinkedHashSet<>(classes)) {
                String entry = c.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(entry));
                try (var in = c.getClassLoader().getResourceAsStream(entry)) {
                    out.write(in.readAllBytes());
                }
                out.closeEntry();
            }
            String text = extra.getOrDefault("extensions.idx", idx.toString());
            if (!text.isEmpty()) {
                out.putNextEntry(new JarEntry("META-INF/extensions.idx"));
                out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return path;
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

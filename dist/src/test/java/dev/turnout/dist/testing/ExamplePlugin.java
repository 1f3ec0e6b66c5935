package dev.turnout.dist.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds the example plugin from its source, the way a third party would: compiled against the plugin API,
 * PF4J and Netty only, with PF4J's annotation processor indexing its extension, packed with the manifest
 * PF4J reads.
 */
public final class ExamplePlugin {

    private ExamplePlugin() {
    }

    public static Path build(Path workDir) throws IOException, URISyntaxException {
        return build(workDir, "example-pinned");
    }

    /** The same plugin under another id: what a second copy, renamed by hand, would look like. */
    public static Path build(Path workDir, String pluginId) throws IOException, URISyntaxException {
        return build(workDir, "/example-plugin", pluginId, "dev.turnout.example.PinnedPlugin");
    }

    /**
     * A plugin from the sources under test resource {@code sources}, with id {@code pluginId} and plugin class
     * {@code pluginClass}, as a jar in {@code workDir}.
     */
    public static Path build(Path workDir, String sources, String pluginId, String pluginClass)
            throws IOException, URISyntaxException {
        return build(workDir, Path.of(ExamplePlugin.class.getResource(sources).toURI()), pluginId, pluginClass);
    }

    private static Path build(Path workDir, Path sources, String pluginId, String pluginClass) throws IOException {
        Path classes = Files.createDirectories(workDir.resolve(pluginId + "-classes"));
        List<String> files;
        try (Stream<Path> s = Files.walk(sources)) {
            files = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String[] args = Stream.concat(Stream.of("-d", classes.toString(), "--release", "17",
                "-cp", System.getProperty("java.class.path")), files.stream()).toArray(String[]::new);
        int code = javac.run(null, null, System.err, args);
        if (code != 0) {
            throw new IOException("the plugin " + pluginId + " did not compile");
        }
        Manifest manifest = new Manifest();
        Attributes a = manifest.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", pluginId);
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Class", pluginClass);
        a.putValue("Plugin-Provider", "Example Corp");
        Path jar = workDir.resolve(pluginId + "-1.0.0.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> s = Files.walk(classes)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
        }
        return jar;
    }
}

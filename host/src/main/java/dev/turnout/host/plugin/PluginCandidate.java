package dev.turnout.host.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.pf4j.DefaultVersionManager;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PropertiesPluginDescriptorFinder;
import org.pf4j.util.StringUtils;

/**
 * A jar (or exploded folder) in the plugins folder, looked at before PF4J loads it: PF4J answers a damaged,
 * empty or classless jar with pages of stack traces and reasons such as "No PluginDescriptorFinder", so
 * Turnout says in plain words what is wrong first, and learns each plugin's id to refuse duplicates.
 *
 * @param id the plugin id its descriptor declares, or {@code null} when {@code problem} is set
 * @param problem what is wrong, in plain words, or {@code null} when it looks like a plugin
 */
record PluginCandidate(Path path, String id, String problem) {

    static PluginCandidate inspect(Path path, String hostVersion) {
        if (!Files.isDirectory(path)) {
            String problem = jarProblem(path);
            if (problem != null) {
                return new PluginCandidate(path, null, problem);
            }
        }
        PluginDescriptor d = descriptor(path);
        if (d == null) {
            return new PluginCandidate(path, null, Files.isDirectory(path)
                    ? "no plugin.properties or META-INF/MANIFEST.MF naming a Plugin-Id in this folder"
                    : "its manifest names no Plugin-Id; a plugin's manifest needs Plugin-Id, Plugin-Version and Plugin-Class");
        }
        if (StringUtils.isNullOrEmpty(d.getPluginClass())) {
            return new PluginCandidate(path, null, "its manifest names no Plugin-Class");
        }
        if (!d.getDependencies().isEmpty()) {
            return new PluginCandidate(path, null, "its manifest names Plugin-Dependencies ("
                    + String.join(", ", d.getDependencies().stream().map(x -> x.getPluginId() + (x.isOptional() ? "?" : "")
                            + ("*".equals(x.getPluginVersionSupport()) ? "" : "@" + x.getPluginVersionSupport())).toList())
                    + "), which Turnout does not support: it loads each plugin on its own, sharing with it only the"
                    + " host's packages (the plugin API, Netty, PF4J, SLF4J), so a plugin cannot use another's"
                    + " classes; bundle what it needs in its jar and drop the header");
        }
        String requires = requiresProblem(d.getRequires(), hostVersion);
        if (requires != null) {
            return new PluginCandidate(path, null, requires);
        }
        if (!Files.isDirectory(path)) {
            String missing = classProblem(path, d.getPluginClass());
            if (missing != null) {
                return new PluginCandidate(path, null, missing);
            }
        }
        return new PluginCandidate(path, d.getPluginId(), null);
    }

    /**
     * Why a plugin's {@code Plugin-Requires} rules this host out, as PF4J reads it (a bare version means that
     * version or newer); {@code null} when it allows this host or names no version.
     */
    private static String requiresProblem(String requires, String hostVersion) {
        if (StringUtils.isNullOrEmpty(requires) || requires.trim().equals("*")) {
            return null;
        }
        String range = requires.trim().matches("\\d+\\.\\d+\\.\\d+") ? ">=" + requires.trim() : requires.trim();
        boolean fits;
        try {
            fits = new DefaultVersionManager().checkVersionConstraint(hostVersion, range);
        } catch (RuntimeException e) {
            return "its Plugin-Requires '" + requires + "' is not a version range such as >=0.1.0 (" + e.getMessage()
                    + ")";
        }
        return fits ? null : "it requires Turnout " + requires.trim() + " (Plugin-Requires), and this is Turnout "
                + hostVersion + ": it needs a newer Turnout, or a build of the plugin for this one";
    }

    private static String jarProblem(Path path) {
        try {
            if (Files.size(path) == 0) {
                return "the file is empty, not a jar";
            }
        } catch (IOException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            if (jar.stream().noneMatch(e -> e.getName().endsWith(".class"))) {
                return "the jar contains no classes";
            }
            // A library copied here by mistake, most likely; PF4J's manifest reader fails on it with a
            // NullPointerException, which stopped the start.
            if (jar.getManifest() == null && jar.getEntry("plugin.properties") == null) {
                return "it has no manifest (META-INF/MANIFEST.MF), so it is no plugin; a plugin's manifest names its"
                        + " Plugin-Id, Plugin-Version and Plugin-Class";
            }
            return null;
        } catch (IOException e) {
            return "not a jar: the file is damaged or not a zip archive (" + e.getMessage() + ")";
        }
    }

    private static String classProblem(Path path, String pluginClass) {
        try (JarFile jar = new JarFile(path.toFile())) {
            return jar.getEntry(pluginClass.replace('.', '/') + ".class") == null
                    ? "its Plugin-Class " + pluginClass + " is not in the jar"
                    : null;
        } catch (IOException e) {
            return "not a jar: the file is damaged or not a zip archive (" + e.getMessage() + ")";
        }
    }

    /** PF4J's own descriptor readers, the manifest first; asked one by one so that none logs a stack trace. */
    private static PluginDescriptor descriptor(Path path) {
        for (PluginDescriptorFinder finder : new PluginDescriptorFinder[] {
                new ManifestPluginDescriptorFinder(), new PropertiesPluginDescriptorFinder()}) {
            try {
                if (finder.isApplicable(path)) {
                    PluginDescriptor d = finder.find(path);
                    if (d != null && !StringUtils.isNullOrEmpty(d.getPluginId())) {
                        return d;
                    }
                }
            } catch (PluginRuntimeException | IllegalArgumentException | NullPointerException e) {
                // Not this kind of descriptor (PF4J's readers fail with these on what they cannot read); the next
                // finder may know it.
            }
        }
        return null;
    }
}

package dev.turnout.host.cli;

import dev.turnout.host.plugin.LoadedPlugin;
import dev.turnout.host.plugin.PluginFailure;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.plugin.PluginWarning;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code turnout plugins}: what is loaded, its version, the outbound types it provides; what failed. */
@Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "List loaded plugins and the outbound types they provide; a plugin that cannot be loaded is a"
                + " FAILED line with its path and why, one that loads but provides no type a WARNING line.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every plugin in the folder loaded", "1:a plugin failed to load (a FAILED line)"})
final class PluginsCommand implements Callable<Integer> {

    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() {
        try (PluginHost host = PluginHost.load(plugins.folder(), false)) {
            System.out.printf("plugins in %s%n", plugins.folder().toAbsolutePath());
            for (LoadedPlugin p : host.plugins()) {
                System.out.printf("  %-16s %-16s types: %s   (%s)%n", p.id(), p.version(),
                        p.outboundTypes().isEmpty() ? "-" : String.join(", ", p.outboundTypes()), p.path().getFileName());
            }
            for (PluginWarning w : host.warnings()) {
                System.out.printf("  WARNING %s: %s%n", w.path(), w.message());
            }
            for (PluginFailure f : host.failures()) {
                System.out.printf("  FAILED %s: %s%n", f.path(), f.reason());
            }
            return host.failures().isEmpty() ? 0 : 1;
        }
    }
}

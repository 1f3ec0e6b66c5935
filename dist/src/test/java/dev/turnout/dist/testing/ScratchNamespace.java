package dev.turnout.dist.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One network namespace and one working folder for each test of a class, made before it and removed after it
 * whatever happened (the namespace's processes killed with it). Register as a {@code @RegisterExtension} field;
 * tests that need more (a second namespace, a veth) make their own.
 */
public final class ScratchNamespace implements BeforeEachCallback, AfterEachCallback {

    private final String name;
    private final String[] commands;
    private Path dir;
    private Netns ns;

    /**
     * @param name the namespace's and the folder's prefix
     * @param commands programs the tests run in it, checked first: a test is skipped, saying which is missing
     */
    public ScratchNamespace(String name, String... commands) {
        this.name = name;
        this.commands = commands;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Netns.assumeUsable(commands);
        dir = ScratchDir.create(name);
        ns = Netns.create(name);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (ns != null) {
                ns.close();
            }
        } finally {
            ns = null;
            if (dir != null) {
                ScratchDir.delete(dir);
                dir = null;
            }
        }
    }

    public Netns ns() {
        return ns;
    }

    public Path dir() {
        return dir;
    }

    /** Where the test writes Turnout's config: {@code config.yaml} in the folder. */
    public Path config() {
        return dir.resolve("config.yaml");
    }

    /** Where Turnout's output goes: {@code turnout.log} in the folder. */
    public Path log() {
        return dir.resolve("turnout.log");
    }
}

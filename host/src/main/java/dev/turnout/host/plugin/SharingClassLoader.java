package dev.turnout.host.plugin;

import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/** A plugin's class loader: child-first as PF4J intends, except for the packages the host shares. */
final class SharingClassLoader extends PluginClassLoader {

    SharingClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        return SharedPackages.isShared(className) || super.shouldDelegateToParent(className);
    }
}

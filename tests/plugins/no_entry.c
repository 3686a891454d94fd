/* Fixture: a well-formed shared object that is not an OpenDRT plugin: it exports no
 * DrtPluginDescriptor (DRT_E_PLUGIN_INVALID). */
__attribute__((visibility("default"))) int not_an_opendrt_plugin(void) { return 42; }

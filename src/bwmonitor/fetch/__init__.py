"""The road to CBS: the OData transport and the incremental download."""

// placeholder so the module target is never empty

# fs/local.mk - m3u8nas-fs, the FUSE tree over the spooler's store
sbin_PROGRAMS += fs/m3u8nas-fs
FS_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUSE_USE_VERSION=32
# The pure parts (rendering, paths), shared with the tests.
FS_CORE = fs/render.c fs/render.h fs/tree.c fs/tree.h
fs_m3u8nas_fs_SOURCES = fs/main.c fs/ops.c fs/ops.h fs/source.c fs/source.h \
	$(FS_CORE)
fs_m3u8nas_fs_CFLAGS = $(FS_CFLAGS)
fs_m3u8nas_fs_LDADD = $(ALL_LIBS) $(FUSE_LIBS)
dist_man_MANS += fs/m3u8nas-fs.8

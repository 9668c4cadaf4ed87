"""ctypes bindings of libmfm's public C API (include/mfm.h)."""
import ctypes
import ctypes.util
import os

_SIGNATURES = {
    "mfm_version": (ctypes.c_char_p, []),
    "mfm_last_error": (ctypes.c_char_p, []),
    "mfm_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "mfm_config_new": (ctypes.c_void_p, [ctypes.c_char_p]),
    "mfm_config_set": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
    "mfm_config_count": (ctypes.c_size_t, [ctypes.c_void_p]),
    "mfm_config_name": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_size_t]),
    "mfm_config_free": (None, [ctypes.c_void_p]),
    "mfm_train": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_void_p]),
    "mfm_predict": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]),
    "mfm_evaluate": (ctypes.c_int, [ctypes.c_void_p]),
}


class MfmError(Exception):
    """An error reported by libmfm: .code is the mfm_err value, the message
    is the library's (what failed and where)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _load():
    path = os.environ.get("MFM_LIB")
    if not path:
        path = ctypes.util.find_library("mfm") or "libmfm.so.0"
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise MfmError(-1, "cannot load libmfm from '%s' (set MFM_LIB to the path of "
                       "libmfm.so): %s" % (path, exc)) from None
    for name, (res, args) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


_handle = None


def lib():
    """The loaded library (loaded on first use)."""
    global _handle
    if _handle is None:
        _handle = _load()
    return _handle


def check(code):
    if code != 0:
        raise MfmError(code, lib().mfm_last_error().decode())


class Config:
    """An mfm_config of one command; options set by CLI name."""

    def __init__(self, command):
        self.ptr = lib().mfm_config_new(command.encode())
        if not self.ptr:
            raise MfmError(2, lib().mfm_last_error().decode())

    def names(self):
        n = lib().mfm_config_count(self.ptr)
        return [lib().mfm_config_name(self.ptr, i).decode() for i in range(n)]

    def set(self, name, value):
        check(lib().mfm_config_set(self.ptr, name.encode(), value.encode()))

    def close(self):
        if self.ptr:
            lib().mfm_config_free(self.ptr)
            self.ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

"""Expected failures as one Chinese sentence naming the file (the core of the algorithms' one error path).

``user_message`` turns an exception a user can cause (a file that is missing, locked, read-only or on a
full disk; a text file in the wrong encoding; a configuration or input refused by the plugin) into a
sentence for the message, or returns None for an unexpected error (a bug: logged with its traceback by
the caller, ``processing_algs/base.py``).  Pure Python: no QGIS.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

#: errno -> what it means for a bureau's user (the OS's own text is added in brackets)
_ERRNO_TEXT = {
    errno.ENOSPC: "磁盘空间已满，请清理磁盘或改选其他位置",
    errno.EDQUOT: "超出磁盘配额，请清理或改选其他位置",
    errno.EACCES: "没有读写权限（文件为只读、文件夹不可写或文件被其他程序占用）",
    errno.EPERM: "操作不被允许（文件为只读或被其他程序占用）",
    errno.EROFS: "所在磁盘为只读，请改选可写的位置",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EISDIR: "这是一个文件夹，而不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EBUSY: "文件被其他程序占用",
    errno.ETXTBSY: "文件被其他程序占用",
    errno.EIO: "磁盘读写错误（磁盘或网络共享可能已断开）",
    errno.EMFILE: "同时打开的文件过多",
    errno.EINVAL: "文件名或路径含无效字符",
    errno.EEXIST: "文件已存在",
    errno.EXDEV: "不能跨磁盘移动文件",
}


class UserError(Exception):
    """An expected failure whose message (Chinese, naming the file/layer/field/key) is shown as it is."""


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def os_error_text(exc: OSError) -> str:
    """「文件 X：磁盘空间已满…（No space left on device）」 for an OSError."""
    what = _ERRNO_TEXT.get(exc.errno or 0, "读写失败")
    names = [str(n) for n in (exc.filename, exc.filename2) if n]
    where = "文件 " + " → ".join(names) + "：" if names else "读写文件时："
    detail = f"（{exc.strerror}）" if exc.strerror else ""
    return f"{where}{what}{detail}。"


def _sqlite_text(exc: sqlite3.Error) -> str:
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return f"数据库文件被其他程序锁定（正在被使用），请关闭占用它的程序后重试（{text}）。"
    if "full" in low:
        return f"磁盘空间已满，数据库未能写入（{text}）。"
    if "readonly" in low or "read-only" in low:
        return f"数据库文件为只读，不能写入（{text}）。"
    if "not a database" in low or "malformed" in low:
        return f"文件不是有效的数据库（GeoPackage/SQLite）或已损坏（{text}）。"
    if "unable to open" in low:
        return f"数据库文件无法打开（不存在、无权限或文件夹不可写）（{text}）。"
    if "disk i/o" in low:
        return f"磁盘读写错误（磁盘已满或已断开）（{text}）。"
    return None


def user_message(exc: BaseException) -> str | None:
    """The Chinese sentence for an expected failure, or None for an unexpected one (a bug)."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, OSError):
        return os_error_text(exc)
    if isinstance(exc, UnicodeError):
        return (f"文本编码无法识别（{exc}）：文件应为 UTF-8 编码；用记事本打开后“另存为”并选择 UTF-8 编码即可。")
    if isinstance(exc, MemoryError):
        return "内存不足，未能完成；请分批处理（减少图斑数量）或关闭其他程序后重试。"
    if isinstance(exc, sqlite3.Error):
        return _sqlite_text(exc)
    # the plugin's own refusals (DocumentConfigError, RuleFileError, WorkflowError, ConfigSchemaError ...):
    # their message is written for the user
    module = type(exc).__module__ or ""
    text = str(exc)
    if ("liangwei" in module or module.startswith(("processing_algs", "liangwei_plugin"))) and has_chinese(text):
        return text
    return None


def check_writable_folder(path: str | os.PathLike, folder_output: bool = False) -> None:
    """Raise UserError if the file ``path`` (or, ``folder_output``, the folder ``path``) cannot be written:
    its folder missing (a folder output may be created: then its nearest existing parent counts), not
    writable or on a read-only disk.  Tried by creating a file, since root passes every ``os.access``."""
    p = Path(path)
    folder = p if folder_output else p.parent
    probe = folder
    while not probe.exists():
        if not folder_output or probe.parent == probe:
            raise UserError(f"文件夹 {folder} 不存在，请先创建它或改选其他位置。")
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{probe} 不是文件夹，请改选其他位置。")
    if not folder_output and p.is_dir():
        raise UserError(f"{p} 是一个文件夹，应为文件名。")
    try:
        fd, name = tempfile.mkstemp(prefix=".liangwei-probe-", dir=probe)
    except OSError as exc:
        raise UserError(f"文件夹 {probe} 不可写入：{_ERRNO_TEXT.get(exc.errno or 0, '写入失败')}"
                        f"（{exc.strerror}），请改选可写的位置。") from None
    os.close(fd)
    os.unlink(name)

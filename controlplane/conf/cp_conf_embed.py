#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Turns config/drongo.yaml into a C source holding the same bytes, so the
# embedded default and the shipped file can never drift apart.
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    data = open(src, 'rb').read()
    out = ['/* SPDX-License-Identifier: BSD-3-Clause */',
           '/* Generated from config/drongo.yaml by cp_conf_embed.py. */',
           '#include <stddef.h>',
           '',
           '#include "cp_conf.h"',
           '',
           'const char cp_conf_default_yaml[] = {']
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('\t0x00,')
    out.append('};')
    out.append('const size_t cp_conf_default_len = %d;' % len(data))
    open(dst, 'w').write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

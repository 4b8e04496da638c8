"""[DEFAULT] options of glance-api, with upstream's names and defaults."""

from oslo_config import cfg

opts = [
    cfg.HostAddressOpt(
        'bind_host', default='0.0.0.0', help='Address to listen on.'
    ),
    cfg.PortOpt('bind_port', default=9292, help='Port to listen on.'),
    cfg.IntOpt(
        'workers',
        min=0,
        help='Number of API worker processes; unset means one per CPU, '
        '0 serves from the main process.',
    ),
    cfg.IntOpt('backlog', default=4096, min=1, help='Listen socket backlog.'),
    cfg.IntOpt(
        'client_socket_timeout',
        default=900,
        min=0,
        help='Seconds a client connection may stay idle: between '
        'requests, and while a request body is being received (a body '
        'that delivers no byte for this long is cut with 408, an upload '
        'or stage then leaving the image queued). 0 means never.',
    ),
    cfg.IntOpt(
        'client_body_min_rate',
        default=10240,
        min=0,
        help='Least rate, in bytes per second, at which a request body '
        '(image upload, stage) must arrive: every MiB the server reads '
        'must arrive within 1 MiB / this rate seconds (at least 5 '
        'seconds for any piece), else the request is cut with 408, an '
        'upload or stage then leaving the image queued. 0 means no '
        'minimum.',
    ),
    cfg.Opt(
        'image_size_cap',
        type=cfg.types.Integer(min=1, max=9223372036854775808),
        default=1099511627776,
        help='Largest image size in bytes the API accepts (default 1 TiB).',
    ),
    cfg.StrOpt(
        'user_storage_quota',
        default='0',
        regex=r'^\d+((K|M|G|T)?B)?$',
        help='Bytes the images of one owner may take in the stores, with '
        'an optional unit B, KB, MB, GB or TB (powers of 1024), e.g. '
        '500GB; each location of an image counts. 0 means unlimited.',
    ),
    cfg.BoolOpt(
        'show_image_direct_url',
        default=False,
        help='Show the direct URL of image data in image responses.',
    ),
    cfg.BoolOpt(
        'show_multiple_locations',
        default=False,
        deprecated_for_removal=True,
        help='Show all image locations and allow location changes.',
    ),
    cfg.IntOpt(
        'limit_param_default',
        default=25,
        min=1,
        help='Page size of list requests that give no limit.',
    ),
    cfg.IntOpt(
        'api_limit_max',
        default=1000,
        min=1,
        help='Largest page size a list request may ask for.',
    ),
    cfg.DictOpt(
        'enabled_backends',
        help='Stores to enable, as "store_id:store_type,..."; setting '
        'this turns on multi-store mode.',
    ),
    cfg.StrOpt(
        'public_endpoint', help='Public URL of this API, used in links.'
    ),
    cfg.ListOpt(
        'enabled_import_methods',
        item_type=cfg.types.String(
            choices=[
                'glance-direct',
                'web-download',
                'copy-image',
                'glance-download',
            ],
            quotes=True,
        ),
        bounds=True,
        default=['glance-direct', 'web-download', 'copy-image'],
        help='Image import methods offered by this deployment.',
    ),
    cfg.IntOpt(
        'max_request_body_size',
        default=114688,
        help='Largest JSON request body in bytes (image data excluded).',
    ),
    cfg.StrOpt(
        'node_staging_uri',
        default='file:///tmp/staging/',
        help='Legacy staging area URI (single-store mode).',
    ),
    cfg.BoolOpt(
        'allow_additional_image_properties',
        default=True,
        help='Allow properties outside the image schema.',
    ),
    cfg.IntOpt(
        'image_member_quota',
        default=128,
        help='Most members per image (negative means unlimited).',
    ),
    cfg.IntOpt(
        'image_property_quota',
        default=128,
        help='Most extra properties per image (negative means unlimited).',
    ),
    cfg.IntOpt(
        'image_tag_quota',
        default=128,
        help='Most tags per image (negative means unlimited).',
    ),
    cfg.IntOpt(
        'image_location_quota',
        default=10,
        help='Most locations per image (negative means unlimited).',
    ),
    cfg.IntOpt(
        'max_header_line',
        default=16384,
        min=1,
        help='Longest HTTP header line in bytes a request may carry '
        '(keystone tokens with many roles need more than 8 KiB).',
    ),
    cfg.StrOpt(
        'hashing_algorithm',
        default='sha512',
        help='hashlib algorithm of the multihash computed on upload '
        '(os_hash_algo / os_hash_value), e.g. sha256 or sha512.',
    ),
    cfg.StrOpt(
        'metadata_encryption_key',
        secret=True,
        deprecated_for_removal=True,
        deprecated_since='Dalmatian',
        deprecated_reason='It encrypts location URLs only, not the data.',
        help='AES key (16, 24 or 32 characters) with which location URLs '
        'are stored encrypted in the database, as upstream Glance does.',
    ),
    cfg.StrOpt(
        'property_protection_file',
        help='File of property protection rules (which roles or policies '
        'may create, read, update and delete which image properties); '
        'unset turns property protection off.',
    ),
    cfg.StrOpt(
        'property_protection_rule_format',
        default='roles',
        choices=[
            ('roles', 'Rules list role names.'),
            ('policies', 'Rules name policy rules.'),
        ],
        help='How property_protection_file states its rules.',
    ),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return [('DEFAULT', opts)]

# language: es
@red_oportunidades
Característica: Red de Oportunidades Empresariales — población pobre de Coclé, Herrera, Veraguas (y Chiriquí)
  El programa conjunto (18/12/2009 a 18/12/2012) apoya a la población pobre a iniciar micro
  emprendimientos, con énfasis (no requisito) en turismo y agropecuario, en especial en zonas
  rurales e indígenas. Sus regiones eran Coclé, Herrera, Veraguas y Chiriquí; desde el segundo
  año se concentró en las tres primeras y la extensión a Chiriquí se evaluaría al final del
  segundo año (su resultado no consta).

  Antecedentes:
    Dado un grupo en la provincia "Coclé"
    Y la fecha es 2011-03-01
    Y la localidad es rural
    Y el grupo tiene 6 integrantes
    Y todos los integrantes son pobres
    Y el proyecto es del sector turismo

  Regla: Provincia de Coclé, Herrera o Veraguas (target_province)

    Esquema del escenario: Un grupo de <provincia> en el segundo año resulta «<resultado>»
      Dado un grupo en la provincia "<provincia>"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "target_province" da "<criterio>"

      Ejemplos:
        | provincia | resultado   | criterio  |
        | Coclé     | elegible    | cumple    |
        | Herrera   | elegible    | cumple    |
        | Veraguas  | elegible    | cumple    |
        | Chiriquí  | no elegible | no cumple |
        | Panamá    | no elegible | no cumple |

  Regla: Chiriquí, solo el primer año; después de la evaluación del segundo año no consta (chiriqui_in_scope)

    Esquema del escenario: Un grupo de Chiriquí el <fecha> resulta «<resultado>»
      Dado un grupo en la provincia "Chiriquí"
      Y la fecha es <fecha>
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "chiriqui_in_scope" da "<criterio>"

      Ejemplos:
        | fecha      | resultado              | criterio  |
        | 2010-06-01 | elegible               | cumple    |
        | 2010-12-17 | elegible               | cumple    |
        | 2010-12-18 | no elegible            | no cumple |
        | 2011-06-01 | no elegible            | no cumple |
        | 2011-12-18 | no se puede determinar | no se sabe |

    Escenario: En el segundo año Chiriquí no se atiende, y la explicación lo cita
      Dado un grupo en la provincia "Chiriquí"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el grupo no es elegible
      Y la explicación cita "concentrará sus acciones a partir del segundo año"

  Regla: Familias en situación de pobreza (poor_families)

    Esquema del escenario: Un grupo con <k> de 6 integrantes pobres resulta «<resultado>»
      Dado <k> de los integrantes son pobres
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "poor_families" da "<criterio>"

      Ejemplos:
        | k | resultado   | criterio  |
        | 6 | elegible    | cumple    |
        | 5 | no elegible | no cumple |
        | 0 | no elegible | no cumple |

  Regla: Turismo y agropecuario son un énfasis, no un requisito (sector_emphasis)

    Esquema del escenario: Un micro emprendimiento de <sector> resulta «elegible»
      Dado el proyecto es del sector <sector>
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "elegible"
      Y el criterio "sector_emphasis" da "<criterio>"

      Ejemplos:
        | sector      | criterio  |
        | turismo     | cumple    |
        | agricultura | cumple    |
        | comercio    | no cumple |
        | artesanías  | no cumple |

  Regla: El programa conjunto operaba (in_force) y el grupo está en Panamá (in_panama)

    Esquema del escenario: Un grupo evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2009-12-17 | no vigente  | no cumple |
        | 2009-12-18 | elegible    | cumple    |
        | 2012-12-18 | elegible    | cumple    |
        | 2012-12-19 | no vigente  | no cumple |

    Escenario: La Red de Oportunidades no aplica a un grupo de México
      Dado un grupo en el municipio "Chilapa de Álvarez"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el programa no aplica al grupo
      Y el criterio "in_panama" no se cumple

  Regla: La prioridad a familias rurales e indígenas no es requisito (rural_priority, indigenous_priority)

    Esquema del escenario: Un grupo <localidad> con <k> integrantes indígenas sigue siendo elegible
      Dado la localidad es <localidad>
      Y <k> de los integrantes son indígenas
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el grupo es elegible
      Y el criterio "rural_priority" da "<rural>"
      Y el criterio "indigenous_priority" da "<indígena>"

      Ejemplos:
        | localidad  | k | rural     | indígena  |
        | rural      | 2 | cumple    | cumple    |
        | periurbana | 1 | cumple    | cumple    |
        | urbana     | 0 | no cumple | no cumple |
